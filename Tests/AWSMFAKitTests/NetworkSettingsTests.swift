import AWSMFACore
import Foundation
import Testing

@testable import AWSMFAKit

/// Proxy variables, NO_PROXY, proxy URLs and CA bundles, read as urllib and botocore read them.
@Suite struct NetworkSettingsTests {
  func proxy(_ entries: [(String, String)], _ url: String) throws -> ProxyServer? {
    var settings = NetworkSettings(environment: Environment([:]))
    settings.proxies = NetworkSettings.proxyVariables(entries)
    return try settings.proxy(for: url)
  }

  @Test func lowerCaseWinsAndAnEmptyLowerCaseRemoves() throws {
    let both = [("HTTPS_PROXY", "http://upper:1"), ("https_proxy", "http://lower:2")]
    #expect(try proxy(both, "https://sts.amazonaws.com/")?.host == "lower")
    let reversed = [("https_proxy", "http://lower:2"), ("HTTPS_PROXY", "http://upper:1")]
    #expect(try proxy(reversed, "https://sts.amazonaws.com/")?.host == "lower")
    let emptied = [("HTTPS_PROXY", "http://upper:1"), ("https_proxy", "")]
    #expect(try proxy(emptied, "https://sts.amazonaws.com/") == nil)
  }

  @Test func theSchemeChoosesTheVariable() throws {
    let entries = [("HTTPS_PROXY", "http://secure:1"), ("HTTP_PROXY", "http://plain:2")]
    #expect(try proxy(entries, "https://sts.amazonaws.com/")?.host == "secure")
    #expect(try proxy(entries, "http://127.0.0.1:5000/")?.host == "plain")
    #expect(try proxy([("HTTP_PROXY", "http://plain:2")], "https://sts.amazonaws.com/") == nil)
  }

  @Test func underCGIOnlyTheLowerCaseHTTPProxyCounts() throws {
    let upper = [("REQUEST_METHOD", "GET"), ("HTTP_PROXY", "http://injected:1")]
    #expect(try proxy(upper, "http://example.com/") == nil)
    let lower = [("REQUEST_METHOD", "GET"), ("http_proxy", "http://mine:1")]
    #expect(try proxy(lower, "http://example.com/")?.host == "mine")
  }

  @Test(arguments: [
    ("127.0.0.1:5000", "127.0.0.1", true), ("127.0.0.1:5000", "127.0.0.1:5000", true),
    ("127.0.0.1:5000", "127.0.0.1:5001", false), ("sts.amazonaws.com", ".amazonaws.com", true),
    ("sts.amazonaws.com", "amazonaws.com", true), ("sts.amazonaws.com", "zonaws.com", false),
    ("STS.Amazonaws.COM", "sts.amazonaws.com", true), ("sts.amazonaws.com", "*", true),
    ("sts.amazonaws.com", "*,", false), ("sts.amazonaws.com", " a.b , amazonaws.com ", true),
    ("sts.amazonaws.com", "..amazonaws.com", true), ("sts.amazonaws.com", "", false),
    ("[::1]:8080", "[::1]", true), ("sts.amazonaws.com", ".", false),
  ])
  func noProxyMatchesAsUrllibDoes(netloc: String, list: String, bypass: Bool) {
    #expect(NetworkSettings.bypasses(netloc: netloc, noProxy: list) == bypass)
  }

  @Test func proxyURLsParseAsBotocoreParsesThem() throws {
    let bare = try ProxyServer(url: "proxy.corp:3128", variable: "HTTPS_PROXY")
    #expect(bare.host == "proxy.corp" && bare.port == 3128 && bare.user == nil)
    let noPort = try ProxyServer(url: "http://proxy.corp", variable: "HTTPS_PROXY")
    #expect(noPort.port == 80)
    let slashes = try ProxyServer(url: "//proxy.corp:8080/", variable: "HTTPS_PROXY")
    #expect(slashes.host == "proxy.corp" && slashes.port == 8080)
    let auth = try ProxyServer(url: "http://us%65r:p%40ss:w@proxy:8080", variable: "HTTPS_PROXY")
    #expect(auth.user == "user" && auth.password == "p@ss:w")
    #expect(auth.display == "http://user:***@proxy:8080")
    #expect(!auth.display.contains("p@ss"))
    let userOnly = try ProxyServer(url: "http://user@proxy:8080", variable: "HTTPS_PROXY")
    #expect(userOnly.user == nil && userOnly.password == nil)
    let v6 = try ProxyServer(url: "http://[::1]:3128", variable: "HTTPS_PROXY")
    #expect(v6.host == "::1" && v6.address == "[::1]:3128")
  }

  @Test(arguments: [
    "https://proxy:443", "socks5://proxy:1080", "http://proxy:99999", "http://proxy:x",
    "http://$(touch x):1", "http://", "http://pro xy:1", "http://-proxy:1",
  ])
  func unusableProxyURLsAreConfigurationErrors(url: String) {
    #expect(throws: NetworkError.self) { try ProxyServer(url: url, variable: "HTTPS_PROXY") }
  }

  @Test func theBundleComesFromTheEnvironmentThenTheProfile() {
    let environment = Environment(["AWS_CA_BUNDLE": "/env.pem"])
    #expect(
      NetworkSettings(environment: environment, profileBundle: "/p.pem").caBundle?.path
        == "/env.pem")
    let empty = Environment(["AWS_CA_BUNDLE": ""])
    #expect(
      NetworkSettings(environment: empty, profileBundle: "/p.pem").caBundle?.source == "ca_bundle")
    #expect(NetworkSettings(environment: Environment([:])).caBundle == nil)
  }

  @Test func aMissingOrEmptyBundleNamesTheFile() throws {
    #expect(throws: NetworkError.self) {
      try NetworkTransport.loadBundle(path: "/nonexistent/ca.pem", source: "AWS_CA_BUNDLE")
    }
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("not-pem-\(getpid())")
    try Data("hello\n".utf8).write(to: path)
    defer { try? FileManager.default.removeItem(at: path) }
    do {
      _ = try NetworkTransport.loadBundle(path: path.path, source: "ca_bundle")
      Issue.record("a file without certificates was accepted")
    } catch {
      #expect(error.description.contains(path.path))
    }
  }
}
