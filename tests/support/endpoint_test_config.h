// The endpoint configuration the endpoint unit tests
// (tests/unit/endpoint/*_test.cc) share: fixed addresses and fixed key
// bytes, so that a test can build the AIN's side of the tunnel from it.
#pragma once

#include "core/tunnel_bundle.h"
#include "endpoint/endpoint_config.h"
#include "util/bytes.h"
#include "wire/ip_address.h"

namespace ainet::test {

inline endpoint::EndpointConfig endpoint_test_config(core::Carrier carrier) {
  endpoint::EndpointConfig c;
  c.carrier = carrier;
  c.ain_address = *wire::IpAddress::parse("10.200.0.1");
  c.tunnel_address = *wire::IpAddress::parse("10.200.1.1");
  c.out = core::BundleKeys{0x640101, Bytes(36, 0x11), 0x640102, Bytes(32, 0x22)};
  c.in = core::BundleKeys{0x16401, Bytes(36, 0x33), 0x16402, Bytes(32, 0x44)};
  return c;
}

}  // namespace ainet::test
