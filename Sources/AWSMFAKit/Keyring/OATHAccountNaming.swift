/// What names a profile's OATH credential on a YubiKey: all the card module needs to know of a
/// profile, so it reads no config type (ResolvedProfile conforms).
package protocol OATHAccountNaming {
  /// `awsmfa_oath_account`: the credential's name, when set.
  var oathAccount: String? { get }
  /// `mfa_serial`: the device ARN, which also names the credential when no account is set.
  var mfaSerial: String? { get }
  /// `awsmfa_yubikey_serial`: which key, when several are plugged in.
  var yubikeySerial: String? { get }
}

extension ResolvedProfile: OATHAccountNaming {}
