// Every SA an aind holds, as rows of sa.txt (docs/pcap.md), for the control
// command list_sas: the manual-keyed PVT and customer bundles from the
// configuration, and the per-ANT TVT SAs from the engine (their keys
// re-derived on request, core::Engine::tvt_sas). With the keys, anyone can
// verify and decrypt captures of this AIN with their own tools.
#pragma once
#include <vector>

#include "core/directory.h"
#include "core/engine.h"
#include "daemon/config.h"
#include "daemon/control_handler.h"

namespace ainet::daemon {

std::vector<SaRow> list_sa_rows(const AindConfig& cfg, const core::Engine& engine, const core::Directory& dir,
                                bool with_keys);

}  // namespace ainet::daemon
