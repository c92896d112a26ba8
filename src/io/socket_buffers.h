// Socket buffer sizing for the carrier sockets. The defaults (~200 KiB) drop
// bursts at line rate; the daemon asks for a few MiB. As root SO_*BUFFORCE
// passes the net.core.{r,w}mem_max limits; otherwise the kernel caps the size.
#pragma once
#include "io/sys_result.h"

namespace ainet::io {

SysStatus set_socket_buffers(int fd, int bytes);

}  // namespace ainet::io
