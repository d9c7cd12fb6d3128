/* The floor for one code from a YubiKey: a minimal PC/SC client that connects to the reader,
 * SELECTs the OATH applet, CALCULATEs one credential for the current time step and disconnects.
 * Usage: pcsc_floor READER NAME */
#include <PCSC/winscard.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: pcsc_floor READER NAME\n"); return 64; }
  SCARDCONTEXT ctx;
  SCARDHANDLE card;
  DWORD proto;
  if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx) != SCARD_S_SUCCESS) return 69;
  if (SCardConnect(ctx, argv[1], SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &proto) != SCARD_S_SUCCESS) return 69;
  const SCARD_IO_REQUEST *pci = proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
  unsigned char select[] = {0x00, 0xA4, 0x04, 0x00, 0x07, 0xA0, 0x00, 0x00, 0x05, 0x27, 0x21, 0x01};
  unsigned char rsp[512];
  DWORD len = sizeof rsp;
  if (SCardTransmit(card, pci, select, sizeof select, NULL, rsp, &len) != SCARD_S_SUCCESS) return 69;
  size_t n = strlen(argv[2]);
  unsigned char apdu[300] = {0x00, 0xA2, 0x00, 0x01};
  size_t at = 5;
  apdu[at++] = 0x71; apdu[at++] = (unsigned char)n; memcpy(apdu + at, argv[2], n); at += n;
  uint64_t step = (uint64_t)time(NULL) / 30;
  apdu[at++] = 0x74; apdu[at++] = 8;
  for (int i = 7; i >= 0; i--) apdu[at++] = (unsigned char)(step >> (8 * i));
  apdu[4] = (unsigned char)(at - 5);
  len = sizeof rsp;
  if (SCardTransmit(card, pci, apdu, at, NULL, rsp, &len) != SCARD_S_SUCCESS || len < 7) return 69;
  uint32_t value = ((uint32_t)rsp[3] << 24 | rsp[4] << 16 | rsp[5] << 8 | rsp[6]) & 0x7fffffff;
  printf("%06u\n", value % 1000000);
  SCardDisconnect(card, SCARD_LEAVE_CARD);
  SCardReleaseContext(ctx);
  return 0;
}
