#include "dlms/server/association_ln_object.hpp"

#include "dlms/acse/application_context_name.hpp"
#include "dlms/acse/mechanism_name.hpp"

namespace dlmsgw::server {

std::vector<AttributeDefinition> AssociationLnObject::attributes() const {
  return {{1, AttributeAccess::read_only, {}}, {2, AttributeAccess::read_only, {}},
          {3, AttributeAccess::read_only, {}}, {4, AttributeAccess::read_only, {}},
          {5, AttributeAccess::read_only, {}}, {6, AttributeAccess::read_only, {}},
          {7, AttributeAccess::no_access, {}}, {8, AttributeAccess::read_only, {}}};
}

std::vector<MethodDefinition> AssociationLnObject::methods() const {
  return {{1, true}, {2, false}, {3, false}, {4, false}};
}

xdlms::GetDataResult AssociationLnObject::read(std::int8_t attribute,
                                               const std::optional<xdlms::SelectiveAccess>&,
                                               const RequestContext& context) const {
  static const AssociationInfo kNone{};
  const AssociationInfo& info = context.association ? *context.association : kNone;
  switch (attribute) {
    case 2: {
      axdr::DataList list;
      list.reserve(model_.objects().size());
      for (const auto& object : model_.objects()) list.push_back(object->object_list_entry());
      return axdr::Data::array(std::move(list));
    }
    case 3:
      return axdr::Data::structure({axdr::Data::integer(static_cast<std::int8_t>(info.client_sap)),
                                    axdr::Data::long_unsigned(info.server_sap)});
    case 4:
      return axdr::Data::octet_string(acse::encode_application_context_name(
          static_cast<acse::ApplicationContextName>(info.application_context)));
    case 5: {
      const std::uint32_t c = info.conformance;
      axdr::BitString bits{{static_cast<std::uint8_t>(c >> 16), static_cast<std::uint8_t>(c >> 8),
                            static_cast<std::uint8_t>(c)},
                           24};
      return axdr::Data::structure({axdr::Data::bit_string(std::move(bits)),
                                    axdr::Data::long_unsigned(info.server_max_receive_pdu),
                                    axdr::Data::long_unsigned(info.client_max_receive_pdu),
                                    axdr::Data::unsigned_integer(6), axdr::Data::integer(0),
                                    axdr::Data::octet_string({})});
    }
    case 6:
      return axdr::Data::octet_string(
          acse::encode_mechanism_name(static_cast<acse::MechanismName>(info.mechanism)));
    default:
      return axdr::Data::enumerated(info.authenticated ? 2 : 1);
  }
}

}  // namespace dlmsgw::server
