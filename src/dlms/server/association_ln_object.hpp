#pragma once
// AssociationLnObject: class 15 "Association LN" version 0 (0-0:40.0.0, the current
// association). Its answers come from the association the request came in on:
//   2 object_list: array of structure{class_id, version, logical_name,
//        access_rights structure{attribute_access array of structure{attribute_id, access_mode,
//        access_selectors}, method_access array of structure{method_id, access_mode}}}
//   3 associated_partners_id structure{client_SAP integer, server_SAP long-unsigned}
//   4 application_context_name, 6 authentication_mechanism_name (OID content octets)
//   5 xDLMS_context_info structure{conformance bit-string(24), max_receive_pdu_size,
//        max_send_pdu_size, dlms_version_number, quality_of_service, cyphering_info}
//   7 secret (no access)   8 association_status (enum, 2 = associated)
// Method 1 reply_to_HLS_authentication is carried out by the AssociationServer, which holds the
// security state; the object only lists it.

#include "dlms/server/cosem_object.hpp"
#include "dlms/server/object_model.hpp"

namespace dlmsgw::server {

inline constexpr ObisCode kCurrentAssociationCode{0, 0, 40, 0, 0};

class AssociationLnObject final : public CosemObject {
 public:
  explicit AssociationLnObject(const ObjectModel& model)
      : CosemObject(15, 0, kCurrentAssociationCode), model_(model) {}

  [[nodiscard]] std::vector<AttributeDefinition> attributes() const override;
  [[nodiscard]] std::vector<MethodDefinition> methods() const override;

 protected:
  xdlms::GetDataResult read(std::int8_t attribute,
                            const std::optional<xdlms::SelectiveAccess>& access,
                            const RequestContext& context) const override;

 private:
  const ObjectModel& model_;
};

}  // namespace dlmsgw::server
