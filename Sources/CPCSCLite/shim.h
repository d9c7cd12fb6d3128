#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>
#include <PCSC/pcsclite.h>
#include <PCSC/reader.h>

// Cast macros Swift cannot import as constants.
static const DWORD awsmfa_SCARD_PROTOCOL_T0 = SCARD_PROTOCOL_T0;
static const DWORD awsmfa_SCARD_PROTOCOL_T1 = SCARD_PROTOCOL_T1;
static const DWORD awsmfa_SCARD_PROTOCOL_ANY = SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1;
static inline const SCARD_IO_REQUEST *awsmfa_pci_t0(void) { return SCARD_PCI_T0; }
static inline const SCARD_IO_REQUEST *awsmfa_pci_t1(void) { return SCARD_PCI_T1; }
static const LONG awsmfa_SCARD_S_SUCCESS = SCARD_S_SUCCESS;
static const LONG awsmfa_SCARD_E_NO_SERVICE = SCARD_E_NO_SERVICE;
static const LONG awsmfa_SCARD_E_NO_READERS_AVAILABLE = SCARD_E_NO_READERS_AVAILABLE;
static const LONG awsmfa_SCARD_E_SHARING_VIOLATION = SCARD_E_SHARING_VIOLATION;
static const LONG awsmfa_SCARD_E_NO_SMARTCARD = SCARD_E_NO_SMARTCARD;
static const LONG awsmfa_SCARD_W_REMOVED_CARD = SCARD_W_REMOVED_CARD;
static const LONG awsmfa_SCARD_E_TIMEOUT = SCARD_E_TIMEOUT;
static const LONG awsmfa_SCARD_E_READER_UNAVAILABLE = SCARD_E_READER_UNAVAILABLE;
static const LONG awsmfa_SCARD_W_UNPOWERED_CARD = SCARD_W_UNPOWERED_CARD;
static const LONG awsmfa_SCARD_W_UNRESPONSIVE_CARD = SCARD_W_UNRESPONSIVE_CARD;
static const LONG awsmfa_SCARD_E_NO_SERVICE_2 = SCARD_E_SERVICE_STOPPED;
static const LONG awsmfa_SCARD_E_UNKNOWN_READER = SCARD_E_UNKNOWN_READER;
static const LONG awsmfa_SCARD_W_RESET_CARD = SCARD_W_RESET_CARD;
