// Internal shim for libsystemd's sd-journal (reading sshd's and PAM's messages from the journal).
// Explicitly not public API.
#ifndef CSYSTEMD_SHIM_H
#define CSYSTEMD_SHIM_H
#include <systemd/sd-journal.h>
#endif
