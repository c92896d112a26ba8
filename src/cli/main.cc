// ainctl: keys, the signed directory, and the control socket of a running
// aind (docs/control.md). Usage in the style of wg(8):
//   ainctl genkey [--type x25519|ed25519] > onion.key
//   ainctl pubkey [--type x25519|ed25519] < onion.key
//   ainctl directory sign --key authority.key body.toml > directory.toml
//   ainctl directory verify --authority <64 hex> directory.toml
//   ainctl [--socket PATH] [--json] status|pvts|tvts|ants|customers|reload
//   ainctl [--socket PATH] [--json] ike [rekey|terminate ID [--child]]
//   ainctl [--socket PATH] [--json] sas [--keys] [--sa-txt]
//   ainctl ant create --customer ID --src ADDR --dst ADDR [--route 1,4,6]
//   ainctl ant destroy HANDLE
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/control_commands.h"
#include "cli/directory_commands.h"
#include "cli/key_commands.h"
#include "crypto/rng.h"
#include "daemon/control_client.h"
#include "io/clock.h"

namespace {

using ainet::cli::KeyType;

KeyType key_type_of(const std::string& s) {
  KeyType t = KeyType::x25519;
  ainet::cli::parse_key_type(s, t);  // CLI11 has already checked the value
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ainctl: keys, directory and control of the ainet daemon (aind)"};
  app.require_subcommand(1);  // --version excepted: CLI11 handles it first
  std::string socket_path = ainet::daemon::kDefaultControlSocket;
  bool as_json = false;
  app.add_option("--socket", socket_path, "aind control socket")->capture_default_str();
  app.add_flag("--json", as_json, "print control results as JSON");
  app.set_version_flag("--version", std::string("ainctl ") + AINET_VERSION);

  std::string key_type = "x25519";
  const auto key_types = CLI::IsMember({"x25519", "ed25519"});
  auto* genkey = app.add_subcommand("genkey", "print a new private key (hex)");
  genkey->add_option("--type", key_type, "x25519 (onion key) or ed25519 (identity, authority)")
      ->check(key_types)
      ->capture_default_str();
  auto* pubkey = app.add_subcommand("pubkey", "read a private key on stdin, print its public key");
  pubkey->add_option("--type", key_type, "x25519 or ed25519")->check(key_types)->capture_default_str();

  auto* dir = app.add_subcommand("directory", "sign or verify the AIN directory");
  dir->require_subcommand(1);
  std::string sign_key, body_file, authority, verify_file;
  auto* sign = dir->add_subcommand("sign", "sign a directory body with the authority key");
  sign->add_option("--key", sign_key, "file holding the authority's Ed25519 seed (hex)")->required();
  sign->add_option("body", body_file, "directory body (TOML)")->required();
  auto* verify = dir->add_subcommand("verify", "check a signed directory");
  verify->add_option("--authority", authority, "authority Ed25519 public key (64 hex)")->required();
  verify->add_option("file", verify_file, "signed directory")->required();

  struct Simple {
    const char* name;
    const char* cmd;
    const char* help;
  };
  const Simple simple[] = {{"status", "status", "node status and counters"},
                           {"pvts", "list_pvts", "list PVTs with counters"},
                           {"tvts", "list_tvts", "list TVTs with counters"},
                           {"ants", "list_ants", "list ANTs with counters"},
                           {"customers", "list_customers", "list customers and responders"},
                           {"reload", "reload_directory", "re-read the directory (as SIGHUP)"}};
  std::vector<std::pair<CLI::App*, const char*>> simple_cmds;
  for (const Simple& s : simple) simple_cmds.emplace_back(app.add_subcommand(s.name, s.help), s.cmd);

  auto* sas = app.add_subcommand("sas", "list every SA (PVT, customer, TVT) as in sa.txt (docs/pcap.md)");
  bool sa_keys = false, sa_txt = false;
  sas->add_flag("--keys", sa_keys, "include the keys (aind needs [control] export_keys = true)");
  sas->add_flag("--sa-txt", sa_txt, "print sa.txt lines (for tshark/scapy, tests/e2e/sa_tool.py) instead of a table");

  auto* ant = app.add_subcommand("ant", "create or destroy an ANT");
  ant->require_subcommand(1);
  uint32_t customer = 0;
  std::string src, dst;
  std::vector<uint32_t> route;
  uint64_t handle = 0;
  auto* create = ant->add_subcommand("create", "build an ANT for a customer now");
  create->add_option("--customer", customer, "customer id")->required();
  create->add_option("--src", src, "inner source address")->required();
  create->add_option("--dst", dst, "inner destination address")->required();
  create->add_option("--route", route, "full AIN path from this AIN, e.g. 1,4,6")->delimiter(',');
  auto* destroy = ant->add_subcommand("destroy", "tear an ANT down");
  destroy->add_option("handle", handle, "ANT handle")->required();

  // docs/ike.md: IKE SAs of the [ike] responder, and operator rekey/delete.
  auto* ike = app.add_subcommand("ike", "list IKE SAs (state, lifetimes, rekeys); rekey or terminate one");
  uint64_t ike_id = 0;
  bool ike_child = false;
  auto* ike_rekey = ike->add_subcommand("rekey", "rekey an IKE SA (or with --child a child SA) now");
  auto* ike_term = ike->add_subcommand("terminate", "delete an IKE SA and its child SAs (or with --child one child SA)");
  for (CLI::App* sub : {ike_rekey, ike_term}) {
    sub->add_option("id", ike_id, "IKE SA handle (HANDLE column), or a child's inbound SPI with --child (0x... or decimal)")
        ->required();
    sub->add_flag("--child", ike_child, "the id is a child SA's inbound SPI");
  }

  CLI11_PARSE(app, argc, argv);

  if (*genkey) {
    ::umask(077);  // like wg genkey: `ainctl genkey > key` makes a private file
    ainet::crypto::SystemRng rng;
    return ainet::cli::genkey(key_type_of(key_type), rng, std::cout, std::cerr);
  }
  if (*pubkey) return ainet::cli::pubkey(key_type_of(key_type), std::cin, std::cout, std::cerr);
  if (*sign) return ainet::cli::directory_sign(sign_key, body_file, std::cout, std::cerr);
  if (*verify)
    return ainet::cli::directory_verify(authority, verify_file, ainet::io::unix_seconds_now(), std::cout, std::cerr);

  auto client = ainet::daemon::ControlClient::connect(socket_path);
  if (!client) {
    std::cerr << "ainctl: cannot reach aind: " << client.error().message() << '\n';
    return 1;
  }
  for (auto& [sub, cmd] : simple_cmds)
    if (*sub) return ainet::cli::control_command(*client, cmd, nullptr, as_json, std::cout, std::cerr);
  if (*sas)
    return ainet::cli::sas_command(*client, sa_keys, sa_txt, as_json, std::cout, std::cerr);
  if (*ike) {
    if (*ike_rekey || *ike_term)
      return ainet::cli::control_command(*client, *ike_rekey ? "ike_rekey" : "ike_terminate",
                                         {{"id", ike_id}, {"child", ike_child}}, as_json, std::cout, std::cerr);
    return ainet::cli::control_command(*client, "list_ike", nullptr, as_json, std::cout, std::cerr);
  }
  if (*create) {
    nlohmann::json args{{"customer", customer}, {"src", src}, {"dst", dst}};
    if (!route.empty()) args["route"] = route;
    return ainet::cli::control_command(*client, "create_ant", args, as_json, std::cout, std::cerr);
  }
  if (*destroy)
    return ainet::cli::control_command(*client, "destroy_ant", {{"ant", handle}}, as_json, std::cout, std::cerr);
  return 1;
}
