/// awsmfa's version: the one place it is written. `awsmfa --version` prints it, and `make deb`
/// names the package after it.
package enum AWSMFAVersion {
  package static let string = "0.4.0"
}
