#pragma once
// CosemObject: one object of the simulated meter's object model (Blue Book "interface class"
// instance): class id, version, logical name, the attributes and methods it has with their access
// rights, and how it answers GET, SET and ACTION. Attribute 1 (logical_name) is answered here for
// every class; subclasses answer the rest. Nothing here reads a clock: the caller passes the
// current time in the RequestContext.

#include <cstdint>
#include <optional>
#include <vector>

#include "dlms/axdr/data.hpp"
#include "dlms/obis/obis_code.hpp"
#include "dlms/xdlms/action_result.hpp"
#include "dlms/xdlms/data_access_result.hpp"
#include "dlms/xdlms/get_data_result.hpp"
#include "dlms/xdlms/selective_access.hpp"

namespace dlmsgw::server {

// Blue Book attribute access_mode (Association LN object_list).
enum class AttributeAccess : std::uint8_t {
  no_access = 0,
  read_only = 1,
  write_only = 2,
  read_write = 3,
};

[[nodiscard]] constexpr bool readable(AttributeAccess access) {
  return access == AttributeAccess::read_only || access == AttributeAccess::read_write;
}
[[nodiscard]] constexpr bool writable(AttributeAccess access) {
  return access == AttributeAccess::write_only || access == AttributeAccess::read_write;
}

struct AttributeDefinition {
  std::int8_t index = 0;
  AttributeAccess access = AttributeAccess::read_only;
  // Selective access selectors the attribute accepts (profile generic buffer: 1 and 2).
  std::vector<std::uint8_t> selectors;
};

struct MethodDefinition {
  std::int8_t index = 0;
  bool access = true;
};

// What the session knows about the association a request came in on, for the objects whose
// answers depend on it (Association LN).
struct AssociationInfo {
  std::uint16_t client_sap = 0;
  std::uint16_t server_sap = 1;
  std::uint8_t application_context = 1;  // acse::ApplicationContextName
  std::uint8_t mechanism = 0;            // acse::MechanismName
  std::uint32_t conformance = 0;
  std::uint16_t client_max_receive_pdu = 0;
  std::uint16_t server_max_receive_pdu = 0;
  bool authenticated = false;
};

struct RequestContext {
  std::int64_t now_unix_ms = 0;
  const AssociationInfo* association = nullptr;
};

struct ActionOutcome {
  xdlms::ActionResult result = xdlms::ActionResult::success;
  std::optional<axdr::Data> return_data;
};

class CosemObject {
 public:
  CosemObject(std::uint16_t class_id, std::uint8_t version, ObisCode logical_name)
      : class_id_(class_id), version_(version), logical_name_(logical_name) {}
  virtual ~CosemObject() = default;
  CosemObject(const CosemObject&) = delete;
  CosemObject& operator=(const CosemObject&) = delete;

  [[nodiscard]] std::uint16_t class_id() const { return class_id_; }
  [[nodiscard]] std::uint8_t version() const { return version_; }
  [[nodiscard]] const ObisCode& logical_name() const { return logical_name_; }

  // Every attribute, attribute 1 included, in index order.
  [[nodiscard]] virtual std::vector<AttributeDefinition> attributes() const = 0;
  [[nodiscard]] virtual std::vector<MethodDefinition> methods() const { return {}; }

  // Access rights checked here: an unknown attribute is object-undefined, one without read access
  // read-write-denied, a selector the attribute does not accept other-reason.
  xdlms::GetDataResult get(std::int8_t attribute,
                           const std::optional<xdlms::SelectiveAccess>& access,
                           const RequestContext& context) const;
  xdlms::DataAccessResult set(std::int8_t attribute, const axdr::Data& value,
                              const RequestContext& context);
  ActionOutcome action(std::int8_t method, const std::optional<axdr::Data>& parameters,
                       const RequestContext& context);

  // access_rights of the object_list entry: structure{attribute_access[], method_access[]}.
  [[nodiscard]] axdr::Data access_rights() const;
  // The object_list entry: structure{class_id, version, logical_name, access_rights}.
  [[nodiscard]] axdr::Data object_list_entry() const;

 protected:
  // Called with an attribute other than 1 that exists and may be read.
  virtual xdlms::GetDataResult read(std::int8_t attribute,
                                    const std::optional<xdlms::SelectiveAccess>& access,
                                    const RequestContext& context) const = 0;
  // Called with an attribute that exists and may be written.
  virtual xdlms::DataAccessResult write(std::int8_t attribute, const axdr::Data& value,
                                        const RequestContext& context);
  // Called with a method that exists and may be invoked.
  virtual ActionOutcome invoke(std::int8_t method, const std::optional<axdr::Data>& parameters,
                               const RequestContext& context);

 private:
  std::optional<AttributeDefinition> find_attribute(std::int8_t index) const;

  std::uint16_t class_id_;
  std::uint8_t version_;
  ObisCode logical_name_;
};

// The logical name as the octet-string every class carries in attribute 1.
axdr::Data logical_name_data(const ObisCode& code);

}  // namespace dlmsgw::server
