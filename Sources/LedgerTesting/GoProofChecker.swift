import Foundation
import LedgerStore

/// Tools/proof-checker (Go's `golang.org/x/mod/sumdb/tlog` and `sumdb/note`,
/// which nobody here wrote), built once per test run, offline in GOPATH mode
/// (`.ci/run` installs golang-go and golang-golang-x-mod-dev).
public actor GoProofChecker {
    static let instance = GoProofChecker()
    /// One build for the whole run, however many tests ask at once.
    private var building: Task<String, Error>?
    private var built: String?

    public static func shared() async throws -> GoProofChecker {
        try await instance.build()
        return instance
    }

    private func build() async throws {
        let task = building ?? Task { try await Self.compile() }
        building = task
        built = try await task.value
    }

    private static func compile() async throws -> String {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Tools/proof-checker/main.go").path
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("proof-checker-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let binary = folder + "/proof-checker"
        // The caller's PATH first: Go may live elsewhere than Debian puts it.
        let path = (ProcessInfo.processInfo.environment["PATH"].map { $0 + ":" } ?? "") + "/usr/lib/go/bin:/usr/bin:/bin"
        let environment = ["GOPATH": "/usr/share/gocode", "GO111MODULE": "off", "GOCACHE": folder + "/cache",
                           "HOME": folder, "PATH": path]
        let (status, output) = try await execute(["/usr/bin/env", "go", "build", "-o", binary, source], environment: environment)
        guard status == 0 else {
            throw ConformanceFailure("building Tools/proof-checker failed (install golang-go and golang-golang-x-mod-dev; .ci/run does): \(output)")
        }
        return binary
    }

    public func run(_ arguments: [String], input: String? = nil) async throws -> String {
        guard let built else { throw ConformanceFailure("not built") }
        let (status, output) = try await Self.execute([built] + arguments, input: input)
        guard status == 0 else { throw ConformanceFailure("proof-checker \(arguments.first ?? ""): \(output)") }
        return output
    }

    /// Checks `bundle` with Go: `holds` says whether it must pass or be refused.
    public func expect(holds: Bool, _ bundle: some Encodable & Sendable, _ verifierKey: String, _ what: String) async throws {
        guard let built else { throw ConformanceFailure("not built") }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("proof-\(UUID().uuidString).json").path
        try JSONEncoder.proofs.encode(bundle).write(to: URL(fileURLWithPath: file))
        let (status, output) = try await Self.execute([built, "check", verifierKey, file])
        guard status == (holds ? 0 : 1) else {
            throw ConformanceFailure("\(what): Go's checker \(holds ? "refused" : "accepted") it: \(output)")
        }
    }

    static func execute(_ arguments: [String], input: String? = nil,
                        environment: [String: String]? = nil) async throws -> (Int32, String) {
        try await offPool {
            let result = try Spawn.run(arguments[0], Array(arguments.dropFirst()), environment: environment,
                                       input: input.map { Data($0.utf8) } ?? Data())
            return (result.status, result.output + result.errorOutput)
        }
    }
}
