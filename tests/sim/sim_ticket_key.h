// A fixed RSA-2048 ticket signing key for the simulation (test fixture,
// generated once with `openssl genpkey -algorithm RSA -pkeyopt
// rsa_keygen_bits:2048`; it signs nothing outside tests). Fixed so that a
// simulated run with tickets stays a pure function of its seed: a key drawn
// at run time would come from OpenSSL's own CSPRNG.
#pragma once

namespace ainet::sim {

inline constexpr const char* kSimTicketKeyPem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC5QE8u2oQ0UNN/\n"
    "5S0Q2R8zcSBkMX/g56bqD5tmYrODbcszeezzV4OQC250eQGcqWFELucpsZlI+Ghw\n"
    "P8sB8FulRwjuPgR6TaEK/cAH8sBcTqOzI0G++v9WCHKdJawbwMWLVzyFahoQVHam\n"
    "/4j15gnuDuiBWMd3bhHB5o7GGWUR47BVlHN62m17eSjRpj2t0lX3a/2XSadCPYvP\n"
    "uL5OUIxSFCrJmRSFEnpT43cnixCP3pWHwXAmrWxxX5f+XbcJnfvMLwoue4JTpyyb\n"
    "+PODDZkJjX/IsMOSFp0LaeH1EwwKUkiXfr+kSuNB0x2+gQoWENoogl2XDFA+QOiI\n"
    "qNxpKk87AgMBAAECggEATYHWn2fVwH3Av9YHEPGG2GMQhlsfgd3qPCvjfOb27JpX\n"
    "VmZA+V84MGBYCmtGfWFwzLJDDXK9C4bDS5OlQF5sOa6K0gMopHMuWgbo/WpXiUdt\n"
    "vlmV/G3PvxMxwQYuCD6TaEVLkRZfaU2thxmLGDbzGKMsLFIUwqdOzq3ENqYRX3YJ\n"
    "ZnZuGqf4Np3sPgBrbTDGSYLaNGJfOFN54hJqhpGhNInsOuqSf5U1khMMHE4jelwS\n"
    "sh7MYmczcQ1aWFzRn3pI/vk+JGcMZEv2xANlNDt6sLxCwL3SZNN4toljaI2OXe2i\n"
    "hx0c25bygR1JmT5YUUPP+9zjSSWB7slFVjimSseFwQKBgQDqxeCqMsrCmF/kHoYX\n"
    "+St9qB17h6QFcltjkAmwX/kq/2LQ2l+RfYZVGZ9xFBbl21RZHejaPBAxMjqNqPhg\n"
    "1fINzczH6DJXk6OB+AgrcbXduJogAKxFZUYAX2kYXRdVPcEgfZxPsH1VoLfvjW+y\n"
    "Q4vtNyULPTNaFCrTL0dpluNnIwKBgQDKAC/g35Z+WQOoADMRX/0d5kgpfGPol82r\n"
    "6azrkH3sHTkOTZG+r8oXCw5NHLtPooGsk87Qr7AJPUUgFvZ6bHllv1MWHg3bD9rI\n"
    "VHNA625fcgxTTHmT2QhajW9sLPsW2vHgPgmv6vQ5HfPUsH1K+rOFPSEhJgrmg5wT\n"
    "fJQVY7gFCQKBgBxs7wHMeo5LIrkdFQFMEv743vD5AFwEd5o7c2Deje2t1EoTVqTn\n"
    "/N7K5mork4YrIzBTFcFuqks6mKpUPhaDcPZI57WAoK/H2XFAFcUk1G9PDaI4UqNo\n"
    "Wqxq4O+pPcz9WCfV7ZocdWBrwDmJ928vDH8hQSP2OgR7EqBVRiE7urbfAoGAWt7e\n"
    "qwCqSMhudqMwVf6idVLk35TPtRClO1LxsT7dBtzWj/KhP/EAroEQu+vS764hO6t6\n"
    "fDKstFtVv2vVEZm+uuDo1ahLf2KQf1JOTsQacOFzXf2nK7WUpne9yiIqCkwQR1ph\n"
    "LTw7BX7N8745fwNswuGPB8R/XteR3MpMK5sia1ECgYEAs9DMIF/HeTeshvKdLd03\n"
    "OTKCK8RmPiZKzA/MfbdJcVZk5yp40tjO962SSl5QxM6XJW7jLgVXUK4mo6tUjxim\n"
    "rUdNavB0XM3uJGcdqF6mq6o5zMUem2W6AM3Ejo8k0kzxqBrbyqQ07M4qkDqhBty7\n"
    "O9Y0fjLxyiUjMBl+sxCe9BU=\n"
    "-----END PRIVATE KEY-----\n";

}  // namespace ainet::sim
