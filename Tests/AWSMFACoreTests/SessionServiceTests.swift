import AWSMFACore
import AWSMFAKit
import Foundation
import Testing

/// An in-memory session store.
final class MemoryStore: SessionStore, @unchecked Sendable {
  var entries: [SessionIdentity: (String, Int64)] = [:]
  var failWith: KeyringError?
  let lock = NSLock()

  func load(_ identity: SessionIdentity) throws(KeyringError) -> (
    payload: String, expiresAt: Int64
  )? {
    if let failWith { throw failWith }
    return lock.withLock { entries[identity].map { ($0.0, $0.1) } }
  }
  func store(_ identity: SessionIdentity, payload: String, expiresAt: Int64, now: Int64)
    throws(KeyringError)
  {
    if let failWith { throw failWith }
    lock.withLock { entries[identity] = (payload, expiresAt) }
  }
  func remove(where matching: (SessionIdentity) -> Bool) throws(KeyringError) -> Int {
    lock.withLock {
      let keys = entries.keys.filter(matching)
      keys.forEach { entries[$0] = nil }
      return keys.count
    }
  }
  func list() throws(KeyringError) -> [CachedEntry] {
    lock.withLock { entries.map { CachedEntry(identity: $0.key, expiresAt: $0.value.1) } }
  }
}

/// The access key id FakeSTS issues `number`th: shaped like AWS's, as awsmfa checks.
func fakeKeyId(_ number: Int) -> String {
  "ASIAFAKE" + String(format: "%012d", number)
}

/// A scripted STS that records every call.
final class FakeSTS: STSService, @unchecked Sendable {
  struct Call: Equatable {
    var action: String
    var signer: String
    var serial: String?
    var code: String?
    var duration: Int?
  }
  var calls: [Call] = []
  var failures: [STSError] = []
  var clock: () -> Int64
  var counter = 0
  /// When set, every answer expires this many seconds from now instead of after its duration.
  var expiresIn: Int64?
  let lock = NSLock()

  init(clock: @escaping () -> Int64) { self.clock = clock }

  func issue(_ call: Call, lifetime: Int) throws(STSError) -> SessionCredentials {
    lock.lock()
    defer { lock.unlock() }
    calls.append(call)
    if !failures.isEmpty { throw failures.removeFirst() }
    counter += 1
    return SessionCredentials(
      accessKeyId: fakeKeyId(counter), secretAccessKey: "fakesecret000000\(counter)",
      sessionToken: "faketoken0000000\(counter)",
      expiration: clock() + (expiresIn ?? Int64(lifetime)))
  }

  func getSessionToken(
    signer: SigningCredentials, durationSeconds: Int?, serialNumber: String?, tokenCode: String?
  )
    async throws(STSError) -> SessionCredentials
  {
    try issue(
      Call(
        action: "GetSessionToken", signer: signer.accessKeyId, serial: serialNumber,
        code: tokenCode, duration: durationSeconds),
      lifetime: durationSeconds ?? 43200)
  }

  func assumeRole(signer: SigningCredentials, role: AssumeRoleParameters) async throws(STSError)
    -> SessionCredentials
  {
    try issue(
      Call(
        action: "AssumeRole:" + role.roleArn, signer: signer.accessKeyId, serial: role.serialNumber,
        code: role.tokenCode, duration: role.durationSeconds),
      lifetime: role.durationSeconds ?? 3600)
  }
}

/// A code source that derives the code from the step, like a card (or not, like a person).
struct StepCodes: MFACodeSource {
  var canChooseStep: Bool
  var isTyped = false
  var name: String { "fake" }
  func code(device: String, profile: ResolvedProfile, step: Int64) async throws(MFAError) -> String
  {
    String(format: "%06d", step % 1_000_000)
  }
}

final class Clock: @unchecked Sendable {
  var now: Int64 = 1_800_000_000
}

@Suite struct SessionServiceTests {
  let config: SharedConfig
  let clock = Clock()
  let store = MemoryStore()
  let sts: FakeSTS
  let runtime: String

  init() throws {
    config = try makeConfig(
      """
      [profile base]
      mfa_serial = arn:aws:iam::1:mfa/alice
      [profile admin]
      role_arn = arn:aws:iam::1:role/admin
      source_profile = base
      [profile ops]
      role_arn = arn:aws:iam::1:role/ops
      source_profile = base
      duration_seconds = 7200
      """, "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = SECRET\n")
    let clock = self.clock
    sts = FakeSTS(clock: { clock.now })
    runtime = NSTemporaryDirectory() + "awsmfa-tests-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: true)
  }

  func service(card: Bool = true, typed: Bool = false, notes: NotesBox = NotesBox())
    -> SessionService
  {
    let clock = self.clock
    var service = SessionService(
      cache: CacheGuard(store: store, warn: { notes.append($0) }), sts: sts,
      codeSource: { _ in StepCodes(canChooseStep: card && !typed, isTyped: typed) },
      environment: Environment(["XDG_RUNTIME_DIR": runtime]), now: { clock.now },
      note: { notes.append($0) })
    service.sleep = { seconds in clock.now += seconds }
    return service
  }

  @Test(arguments: [Int64(-3600), 0, 30, 60])
  func expiredAnswersAreNeitherReturnedNorCached(expiresIn: Int64) async throws {
    sts.expiresIn = expiresIn
    await #expect(throws: STSError.self) {
      _ = try await service().credentials(for: try config.resolve("base"))
    }
    #expect(store.entries.isEmpty)
  }

  @Test func farFutureExpiriesAreCappedToTheAPIMaximum() async throws {
    sts.expiresIn = 20 * 365 * 86400
    let session = try await service().credentials(for: try config.resolve("base"))
    #expect(session.expiration == clock.now + Int64(SessionService.sessionLifetime))
    let role = try await service().credentials(for: try config.resolve("admin"))
    #expect(role.expiration == clock.now + Int64(SessionService.roleLifetime))
    #expect(store.entries.values.allSatisfy { $0.1 <= clock.now + 129600 })
  }

  @Test func secondCallIsServedFromCache() async throws {
    let profile = try config.resolve("base")
    let first = try await service().credentials(for: profile)
    let second = try await service().credentials(for: profile)
    #expect(first == second)
    #expect(sts.calls.count == 1)
    #expect(
      sts.calls[0]
        == .init(
          action: "GetSessionToken", signer: "AKIDBASE", serial: "arn:aws:iam::1:mfa/alice",
          code: String(format: "%06d", 1_800_000_000 / 30 % 1_000_000), duration: 43200))
  }

  @Test func rolesShareOneMFASessionAndAreCappedAtAnHour() async throws {
    let notes = NotesBox()
    _ = try await service(notes: notes).credentials(for: try config.resolve("admin"))
    _ = try await service(notes: notes).credentials(for: try config.resolve("ops"))
    #expect(
      sts.calls.map(\.action) == [
        "GetSessionToken", "AssumeRole:arn:aws:iam::1:role/admin",
        "AssumeRole:arn:aws:iam::1:role/ops",
      ])
    #expect(sts.calls[1].signer == fakeKeyId(1))
    #expect(sts.calls[2].signer == fakeKeyId(1))
    #expect(sts.calls[2].duration == 3600)
    #expect(notes.items.contains { $0.contains("capped at 1 h") })
  }

  @Test func refreshWindowTriggersNewRoleButReusesSession() async throws {
    let admin = try config.resolve("admin")
    _ = try await service().credentials(for: admin)
    clock.now += 3600 - 500  // inside the 600 s window of the role credentials
    _ = try await service().credentials(for: admin)
    #expect(
      sts.calls.map(\.action) == [
        "GetSessionToken", "AssumeRole:arn:aws:iam::1:role/admin",
        "AssumeRole:arn:aws:iam::1:role/admin",
      ])
  }

  @Test func aCodeStepIsNeverSentTwice() async throws {
    let base = try config.resolve("base")
    for _ in 0..<3 {
      _ = try await service(card: true).credentials(for: base, options: .init(refresh: true))
    }
    let codes = sts.calls.compactMap(\.code)
    #expect(codes.count == 3)
    #expect(Set(codes).count == 3, "codes: \(codes)")
  }

  @Test func withoutACardAUsedStepMeansWaitingForTheNext() async throws {
    let base = try config.resolve("base")
    let start = clock.now
    for _ in 0..<3 {
      _ = try await service(card: false).credentials(for: base, options: .init(refresh: true))
    }
    let codes = sts.calls.compactMap(\.code)
    #expect(Set(codes).count == 3)
    #expect(clock.now - start >= 60)
  }

  @Test func invalidCodeIsRetriedOnceWithAFreshStep() async throws {
    sts.failures = [
      .refused(
        status: 403, code: "AccessDenied",
        message: "MultiFactorAuthentication failed with invalid MFA one time pass code. ")
    ]
    _ = try await service().credentials(for: try config.resolve("base"))
    #expect(sts.calls.count == 2)
    #expect(sts.calls[0].code != sts.calls[1].code)
  }

  @Test func aRefusedTypedCodeIsAskedAgainAtOnceWithoutSpendingTheStep() async throws {
    let refusal = STSError.refused(
      status: 403, code: "AccessDenied",
      message: "MultiFactorAuthentication failed with invalid MFA one time pass code. ")
    sts.failures = [refusal]
    let started = clock.now
    _ = try await service(typed: true).credentials(for: try config.resolve("base"))
    #expect(sts.calls.count == 2)
    #expect(clock.now == started, "no wait for a new window after a typo")
    sts.failures = [refusal, refusal]
    await #expect(throws: MFAError.refusedTyped) {
      _ = try await service(typed: true).credentials(
        for: try config.resolve("base"), options: .init(refresh: true))
    }
  }

  @Test func otherRefusalsAreNotRetried() async throws {
    sts.failures = [.refused(status: 403, code: "AccessDenied", message: "not allowed")]
    await #expect(throws: STSError.self) {
      _ = try await service().credentials(for: try config.resolve("base"))
    }
    #expect(sts.calls.count == 1)
  }

  @Test func brokenKeyringWarnsOnceAndStillWorks() async throws {
    store.failWith = KeyringError(operation: "open the user keyring", code: 1)
    let notes = NotesBox()
    _ = try await service(notes: notes).credentials(for: try config.resolve("admin"))
    #expect(notes.items.filter { $0.contains("warning") }.count == 1)
    #expect(notes.items.contains { $0.contains("seccomp") })
  }

  @Test func longRoleDurationAssumesDirectlyWithTheCode() async throws {
    _ = try await service().credentials(
      for: try config.resolve("admin"), options: .init(duration: 7200))
    #expect(sts.calls.count == 1)
    #expect(sts.calls[0].action == "AssumeRole:arn:aws:iam::1:role/admin")
    #expect(sts.calls[0].signer == "AKIDBASE")
    #expect(sts.calls[0].duration == 7200)
    #expect(sts.calls[0].serial == "arn:aws:iam::1:mfa/alice")
  }
}

final class NotesBox: @unchecked Sendable {
  var items: [String] = []
  let lock = NSLock()
  func append(_ text: String) { lock.withLock { items.append(text) } }
}
