#pragma once
// Logging of `dlmsgw run`: one stderr sink shared by a logger per component (gateway, uplink,
// mqtt, storage, connector, dlms, http; see gateway/component_logger.hpp), each with its own level
// from tb_gateway.yaml's logging section.
//
// Under systemd (JOURNAL_STREAM set: stderr goes to the journal) lines carry no timestamp and no
// colour, since journald adds its own, and start with the syslog priority "<N>" (sd-daemon.h
// SD_ERR, SD_WARNING, ...) so that `journalctl -p warning` filters by level:
//   <4>connector: meter 'kitchen' 127.0.0.1:3333: watchdog: 10 failed reads in a row; reconnecting
// Otherwise:
//   2026-05-01 10:00:00.123 warning [connector] meter 'kitchen' 127.0.0.1:3333: watchdog: ...

#include <optional>
#include <string>

#include "gateway/config/gateway_config.hpp"

namespace dlmsgw::app {

// `level_override` (`--log-level`) replaces logging.level; the per-component levels still apply.
void set_up_logging(const gateway::LoggingConfig& config,
                    const std::optional<std::string>& level_override);

// True when stderr is connected to the journal (systemd sets JOURNAL_STREAM for the service).
bool logging_to_journal();

}  // namespace dlmsgw::app
