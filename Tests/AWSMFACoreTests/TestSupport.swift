import AWSMFAKit

/// A config read from texts (the Kit tests have the same helper; test targets share no code).
func makeConfig(_ config: String, _ credentials: String = "") throws -> SharedConfig {
  try SharedConfig(
    configPath: "/c", credentialsPath: "/k", configText: config, credentialsText: credentials)
}
