#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>
#include <PCSC/pcsclite.h>
#include <PCSC/reader.h>

// Cast macros Swift cannot import as constants.
static const DWORD awsmfa_SCARD_PROTOCOL_T0 = SCARD_PROTOCOL_T0;
static const DWORD awsmfa_SCARD_PROTOCOL_T1 = SCARD_PROTOCOL_T1;
static const DWORD awsmfa_SCARD_PROTOCOL_ANY = SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1;
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

// libpcsclite is loaded with dlopen on first use, not linked: the front binary then pays nothing
// for it on the paths that never touch a card. These are the signatures awsmfa calls.
typedef LONG (*awsmfa_SCardEstablishContext_fn)(DWORD, LPCVOID, LPCVOID, LPSCARDCONTEXT);
typedef LONG (*awsmfa_SCardReleaseContext_fn)(SCARDCONTEXT);
typedef LONG (*awsmfa_SCardListReaders_fn)(SCARDCONTEXT, LPCSTR, LPSTR, LPDWORD);
typedef LONG (*awsmfa_SCardConnect_fn)(SCARDCONTEXT, LPCSTR, DWORD, DWORD, LPSCARDHANDLE, LPDWORD);
typedef LONG (*awsmfa_SCardDisconnect_fn)(SCARDHANDLE, DWORD);
typedef LONG (*awsmfa_SCardTransmit_fn)(SCARDHANDLE, const SCARD_IO_REQUEST *, LPCBYTE, DWORD,
                                        SCARD_IO_REQUEST *, LPBYTE, LPDWORD);
