#pragma once
// gateway_yaml_for: the tb_gateway.yaml an integration test gives `dlmsgw run`: the test broker's
// port and credentials, a client id of the test's own (the broker's log names it), no statistics,
// the given storage and connectors (YAML flow style), and the health endpoint on a port of its own
// (tests run in parallel: the default 9110 would be taken by another test's gateway).

#include <string>

#include "support/mosquitto_broker.hpp"

namespace dlmsgw::test {

inline const std::string kOneDlmsConnector =
    "[{name: DLMS Meters, type: dlms, configuration: dlms_connector.json}]";
inline const std::string kSqliteInDataDir = "{type: sqlite, data_file_path: data/data.db}";

inline std::string gateway_yaml_for(const MosquittoBroker& broker, const std::string& client_id,
                                    const std::string& connectors = kOneDlmsConnector,
                                    const std::string& storage = kSqliteInDataDir) {
  return "thingsboard:\n  host: 127.0.0.1\n  port: " + std::to_string(broker.port()) +
         "\n  security: {username: " + broker.user() + ", password: " + broker.password() +
         ", clientId: " + client_id + "}\n  statistics: {enable: false}\nstorage: " + storage +
         "\nhealth: {port: 0}\nconnectors: " + connectors + "\n";
}

}  // namespace dlmsgw::test
