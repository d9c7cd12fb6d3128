// The slice of the pcsc-lite ABI (Linux, LP64) that awsmfa uses, declared here rather than
// included: libpcsclite is loaded with dlopen on first use, so the front binary pays nothing for
// it on the paths that never touch a card, and pkg-config's -lpcsclite must not be linked.
// Tests/AWSMFACoreTests/PCSCABITests.swift checks every line against <PCSC/winscard.h>.
#include <stddef.h>

typedef unsigned long awsmfa_DWORD;
typedef long awsmfa_LONG;
typedef long awsmfa_SCARDCONTEXT;
typedef long awsmfa_SCARDHANDLE;
typedef struct {
  unsigned long dwProtocol;
  unsigned long cbPciLength;
} awsmfa_SCARD_IO_REQUEST;

static const awsmfa_DWORD awsmfa_SCARD_SCOPE_USER = 0x0000;
static const awsmfa_DWORD awsmfa_SCARD_SHARE_SHARED = 0x0002;
static const awsmfa_DWORD awsmfa_SCARD_LEAVE_CARD = 0x0000;
static const awsmfa_DWORD awsmfa_SCARD_PROTOCOL_T0 = 0x0001;
static const awsmfa_DWORD awsmfa_SCARD_PROTOCOL_T1 = 0x0002;
static const awsmfa_DWORD awsmfa_SCARD_PROTOCOL_ANY = 0x0003;
static const awsmfa_LONG awsmfa_SCARD_S_SUCCESS = 0x00000000;
static const awsmfa_LONG awsmfa_SCARD_E_INVALID_HANDLE = 0x80100003;
static const awsmfa_LONG awsmfa_SCARD_E_UNKNOWN_READER = 0x80100009;
static const awsmfa_LONG awsmfa_SCARD_E_TIMEOUT = 0x8010000A;
static const awsmfa_LONG awsmfa_SCARD_E_SHARING_VIOLATION = 0x8010000B;
static const awsmfa_LONG awsmfa_SCARD_E_NO_SMARTCARD = 0x8010000C;
static const awsmfa_LONG awsmfa_SCARD_F_COMM_ERROR = 0x80100013;
static const awsmfa_LONG awsmfa_SCARD_E_NOT_TRANSACTED = 0x80100016;
static const awsmfa_LONG awsmfa_SCARD_E_READER_UNAVAILABLE = 0x80100017;
static const awsmfa_LONG awsmfa_SCARD_E_NO_SERVICE = 0x8010001D;
static const awsmfa_LONG awsmfa_SCARD_E_SERVICE_STOPPED = 0x8010001E;
static const awsmfa_LONG awsmfa_SCARD_E_NO_READERS_AVAILABLE = 0x8010002E;
static const awsmfa_LONG awsmfa_SCARD_E_COMM_DATA_LOST = 0x8010002F;
static const awsmfa_LONG awsmfa_SCARD_W_UNRESPONSIVE_CARD = 0x80100066;
static const awsmfa_LONG awsmfa_SCARD_W_UNPOWERED_CARD = 0x80100067;
static const awsmfa_LONG awsmfa_SCARD_W_RESET_CARD = 0x80100068;
static const awsmfa_LONG awsmfa_SCARD_W_REMOVED_CARD = 0x80100069;

typedef awsmfa_LONG (*awsmfa_SCardEstablishContext_fn)(
    awsmfa_DWORD, const void *, const void *, awsmfa_SCARDCONTEXT *);
typedef awsmfa_LONG (*awsmfa_SCardReleaseContext_fn)(awsmfa_SCARDCONTEXT);
typedef awsmfa_LONG (*awsmfa_SCardListReaders_fn)(
    awsmfa_SCARDCONTEXT, const char *, char *, awsmfa_DWORD *);
typedef awsmfa_LONG (*awsmfa_SCardConnect_fn)(
    awsmfa_SCARDCONTEXT, const char *, awsmfa_DWORD, awsmfa_DWORD, awsmfa_SCARDHANDLE *,
    awsmfa_DWORD *);
typedef awsmfa_LONG (*awsmfa_SCardDisconnect_fn)(awsmfa_SCARDHANDLE, awsmfa_DWORD);
typedef awsmfa_LONG (*awsmfa_SCardTransmit_fn)(
    awsmfa_SCARDHANDLE, const awsmfa_SCARD_IO_REQUEST *, const unsigned char *, awsmfa_DWORD,
    awsmfa_SCARD_IO_REQUEST *, unsigned char *, awsmfa_DWORD *);
