// pcsc-lite includes its own headers as <pcsclite.h>; forward to where Debian puts them.
#include <PCSC/pcsclite.h>
