// pcsc-lite includes its own headers as <wintypes.h>; forward to where Debian puts them.
#include <PCSC/wintypes.h>
