#if canImport(Glibc)
  import Glibc
#endif

/// The variables `env` sets for a profile, in the order printed.
package struct Exports: Sendable, Equatable {
  package var credentials: SessionCredentials
  package var profile: String
  package var region: String?
  /// The profile's `awsmfa_refresh_window`, exported so a prompt hook knows when to refresh.
  package var refreshWindow: Int?
  /// The `AWS_PROFILE` the user had before `env` removed it, kept in `AWSMFA_PREVIOUS_PROFILE`
  /// so that `unset` can put it back.
  package var previousProfile: String?
  /// The region variables hold the region an earlier `env` set (`AWSMFA_REGION`) and this
  /// profile names none: they go, so that no region leaks from one profile to the next.
  package var clearsRegion = false

  package init(
    credentials: SessionCredentials, profile: String, region: String?, refreshWindow: Int? = nil
  ) {
    self.credentials = credentials
    self.profile = profile
    self.region = region
    self.refreshWindow = refreshWindow
  }

  /// Exports for a shell whose variables are `environment`: what an earlier `env` set is
  /// recognised by awsmfa's own markers, and what the user set is kept or remembered.
  package init(
    credentials: SessionCredentials, profile: String, region: String?, refreshWindow: Int?,
    environment: Environment
  ) {
    self.init(
      credentials: credentials, profile: profile, region: region, refreshWindow: refreshWindow)
    // An AWS_PROFILE set now is the user's (env removes it); else keep the one remembered.
    previousProfile =
      environment.nonEmpty("AWS_PROFILE") ?? environment.nonEmpty("AWSMFA_PREVIOUS_PROFILE")
    if region == nil || region?.isEmpty == true, let ours = environment.nonEmpty("AWSMFA_REGION"),
      environment["AWS_REGION"] == ours || environment["AWS_DEFAULT_REGION"] == ours
    {
      clearsRegion = true
    }
  }

  /// Calls `body` with every variable `env` sets, in order (a closure, not an array of tuples:
  /// this runs on the cached path, where each generic type instantiated costs start-up time).
  package func forEachVariable(_ body: (String, String) -> Void) {
    body("AWS_ACCESS_KEY_ID", credentials.accessKeyId)
    body("AWS_SECRET_ACCESS_KEY", credentials.secretAccessKey)
    body("AWS_SESSION_TOKEN", credentials.sessionToken)
    body("AWS_CREDENTIAL_EXPIRATION", RFC3339.format(credentials.expiration))
    if let region, !region.isEmpty {
      body("AWS_REGION", region)
      body("AWS_DEFAULT_REGION", region)
      body("AWSMFA_REGION", region)
    }
    body("AWSMFA_PROFILE", profile)
    body("AWSMFA_EXPIRES", String(credentials.expiration))
    if let refreshWindow { body("AWSMFA_REFRESH_WINDOW", String(refreshWindow)) }
    if let previousProfile { body("AWSMFA_PREVIOUS_PROFILE", previousProfile) }
  }

  /// The variables `env` removes before it sets its own.
  package var removed: [String] {
    clearsRegion
      ? ["AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWSMFA_REGION"] : ["AWS_PROFILE"]
  }

  /// Every variable `env` sets, in order.
  package var variables: [(String, String)] {
    var list: [(String, String)] = []
    forEachVariable { list.append(($0, $1)) }
    return list
  }

  /// Every variable `unset` may remove.
  package static let allNames = [
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION",
    "AWS_REGION", "AWS_DEFAULT_REGION", "AWSMFA_PROFILE", "AWSMFA_EXPIRES", "AWSMFA_REFRESH_WINDOW",
    "AWSMFA_REGION", "AWSMFA_PREVIOUS_PROFILE",
  ]
}

/// What `unset` does in a shell whose variables are `environment`: it removes only what awsmfa
/// set (the credentials when `AWSMFA_PROFILE` says an `env` ran, the region variables while they
/// hold awsmfa's region) and puts back the `AWS_PROFILE` that `env` removed.
package struct Removal: Sendable, Equatable {
  package var names: [String]
  package var restoredProfile: String?

  package init(environment: Environment) {
    var names: [String] = []
    if environment["AWSMFA_PROFILE"] != nil {
      names += ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]
      names.append("AWS_CREDENTIAL_EXPIRATION")
    }
    if let ours = environment.nonEmpty("AWSMFA_REGION") {
      for name in ["AWS_REGION", "AWS_DEFAULT_REGION"] where environment[name] == ours {
        names.append(name)
      }
    }
    names += [
      "AWSMFA_PROFILE", "AWSMFA_EXPIRES", "AWSMFA_REFRESH_WINDOW", "AWSMFA_REGION",
      "AWSMFA_PREVIOUS_PROFILE",
    ]
    self.names = names
    restoredProfile = environment.nonEmpty("AWSMFA_PREVIOUS_PROFILE")
  }
}
