import Foundation
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// `ledger send` against a real `ledger serve` on loopback: every provider's
/// example is accepted and recorded under its job; a wrong secret, a body the
/// provider would not send, and bad arguments are reported and change nothing.
@Suite struct SendCommandTests {
    static let secrets = [
        "LEDGER_PROVIDER_REPLICATE_SECRET": "whsec_" + Data("send-test-secret-0123456789".utf8).base64EncodedString(),
        "LEDGER_PROVIDER_STANDARD_SECRET": "whsec_" + Data("send-test-secret-abcdefghij".utf8).base64EncodedString(),
        "LEDGER_PROVIDER_WAVESPEED_SECRET": "wavespeed-token-0123456789",
        "LEDGER_PROVIDER_NCA_SECRET": "nca-token-0123456789abcdef",
    ]

    @Test func everyProvidersExampleIsAcceptedAndBadSendsChangeNothing() async throws {
        let path = Fixtures.temporaryDatabasePath(), port = ServeProcessTests.freePort()
        let server = try await ServeProcessTests.startServer(
            ["--db", path, "--port", String(port)], port: port,
            environment: Self.secrets.merging(["LEDGER_KEYS": ServeProcessTests.keys]) { old, _ in old })
        defer { kill(server.processIdentifier, SIGKILL) }
        let url = "http://127.0.0.1:\(port)"
        for (provider, status) in [("replicate", "completed"), ("standard", "failed"), ("wavespeed", "processing"), ("nca", "completed")] {
            let sent = try await LedgerBinary.run(["send", "--provider", provider, "--example", status, "--external-id", "x_\(provider)",
                                                   "--url", url], environment: Self.secrets)
            #expect(sent.status == 0 && sent.stdout.hasPrefix("200\n"), "\(provider): \(sent.stdout)\(sent.stderr)")
        }
        let body = try await LedgerBinary.run(["send", "--provider", "replicate", "--url", url], input: Data(#"{"id":"x_stdin","status":"failed"}"#.utf8),
                                              environment: Self.secrets)
        #expect(body.status == 0, "a body from stdin: \(body.stderr)")
        let recorded = try await SQLiteEventStore(path: path).head().position

        let forged = try await LedgerBinary.run(["send", "--provider", "replicate", "--example", "completed", "--external-id", "x_forged",
                                                 "--url", url, "--secret", "whsec_" + Data("someone-elses-secret-012345".utf8).base64EncodedString()])
        #expect(forged.status == 1 && forged.stdout.hasPrefix("401\n") && forged.stderr.contains("refused"), "\(forged.stdout)\(forged.stderr)")
        let noProgress = try await LedgerBinary.run(["send", "--provider", "nca", "--example", "processing", "--external-id", "x", "--url", url],
                                                    environment: Self.secrets)
        #expect(noProgress.status == 2 && noProgress.stderr.contains("no webhook for processing"), "\(noProgress.stderr)")
        for arguments in [["--example", "completed"], ["--external-id", "x"], ["--example", "done", "--external-id", "x"],
                          ["--example", "completed", "--external-id", "x", "--file", "/etc/hostname"]] {
            let usage = try await LedgerBinary.run(["send", "--provider", "replicate", "--url", url] + arguments, environment: Self.secrets)
            #expect(usage.status == 2, "\(arguments): \(usage.stderr)")
        }
        let unknown = try await LedgerBinary.run(["send", "--provider", "acme", "--example", "completed", "--external-id", "x", "--url", url])
        #expect(unknown.status == 2 && unknown.stderr.contains("--provider must be one of"), "\(unknown.stderr)")
        let unsigned = try await LedgerBinary.run(["send", "--provider", "replicate", "--example", "completed", "--external-id", "x", "--url", url])
        #expect(unsigned.status == 2 && unsigned.stderr.contains("LEDGER_PROVIDER_REPLICATE_SECRET"), "\(unsigned.stderr)")
        #expect(try await SQLiteEventStore(path: path).head().position == recorded, "refused sends append nothing")

        kill(server.processIdentifier, SIGTERM)
        await server.exited()
        let closed = try await LedgerBinary.run(["send", "--provider", "replicate", "--example", "completed", "--external-id", "x",
                                                 "--url", url], environment: Self.secrets)
        #expect(closed.status == 1 && closed.stderr.contains("cannot reach") && closed.stderr.contains("nothing listens there"),
                "\(closed.stderr)")
        let schemeless = try await LedgerBinary.run(["send", "--provider", "replicate", "--example", "completed", "--external-id", "x",
                                                     "--url", "127.0.0.1:1"], environment: Self.secrets)
        #expect(schemeless.status == 2 && schemeless.stderr.contains("--url must start with http://"), "\(schemeless.stderr)")
    }
}
