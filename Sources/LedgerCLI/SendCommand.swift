import ArgumentParser
import AsyncHTTPClient
import Foundation
import LedgerProviders
import NIOCore

/// `ledger send`: signs and posts one test webhook to a running ledger and
/// prints its answer, so a first run or a hunt for a 401 needs no hand-made
/// signature.
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Sign and post one test webhook to a running ledger, and print its answer.",
        discussion: """
            The body is an example the provider would send for a job (--example with
            --external-id), a file (--file), or stdin, sent byte for byte. It is signed
            like `ledger sign` signs it (the secret from --secret,
            LEDGER_PROVIDER_<NAME>_SECRET, or the --config file) and posted to the ledger
            at --url. Prints the answer's status and body; exits 1 when the ledger refuses
            the webhook or cannot be reached.

            Example (against `ledger serve` started with no configuration in this folder):
              ledger send --provider replicate --example completed --external-id p_1 \\
                  --config ledger-dev.json
            """
    )

    @Option(help: "The provider: a built-in one (standard, replicate, wavespeed, nca) or one from --config.") var provider: String
    @Option(help: "Send the provider's example body for this status: completed, failed or processing (needs --external-id).")
    var example: String?
    @Option(help: "The provider's id for the job, placed in the example body.") var externalID: String?
    @Option(help: "Send this file's bytes as the body.") var file: String?
    @Option(help: "The ledger's address (default: http://$LEDGER_HOST:$LEDGER_PORT, else http://127.0.0.1:8080).") var url: String?
    @Option(help: "A configuration file with provider secrets or custom profiles (e.g. the ledger-dev.json serve wrote).")
    var config: String?
    @Option(help: "The secret (default: $LEDGER_PROVIDER_<NAME>_SECRET, else the --config file's).") var secret: String?
    @Option(help: "A query-token provider's signing secret, whsec_... (default: $LEDGER_PROVIDER_<NAME>_SIGNING_SECRET).")
    var signingSecret: String?
    @Option(help: "Seconds to wait for the answer.") var timeoutSeconds: Int64 = 10

    func validate() throws {
        if example != nil, file != nil { throw ValidationError("give --example or --file, not both") }
        if example != nil, externalID == nil { throw ValidationError("--example needs --external-id (the provider's id for the job)") }
        if example == nil, externalID != nil { throw ValidationError("--external-id goes with --example") }
        if let example, ExampleWebhook.Status(rawValue: example) == nil {
            throw ValidationError("--example must be one of completed, failed, processing")
        }
        guard (1...300).contains(timeoutSeconds) else { throw ValidationError("--timeout-seconds must be 1 to 300") }
        if let url, !(url.lowercased().hasPrefix("http://") || url.lowercased().hasPrefix("https://")) {
            throw ValidationError("--url must start with http:// or https:// (for example http://\(url))")
        }
    }

    func run() async throws {
        let configuration = try LedgerConfiguration.load(databaseFlag: nil, file: config)
        let profile = try SignedWebhook.profile(provider, configuration: configuration)
        let body = try readBody(profile)
        let secrets = SignedWebhook.Secrets(provider: provider, secret: secret, signingSecret: signingSecret, configuration: configuration)
        let webhook = try SignedWebhook.sign(provider: provider, profile: profile, secrets: secrets, id: SignedWebhook.newMessageID(),
                                             timestamp: String(Int64(Date().timeIntervalSince1970)), body: { body })
        let (status, answer) = try await post(body, webhook: webhook, to: ledgerAddress(configuration))
        writeOut("\(status)\n\(answer)")
        guard (200..<300).contains(status) else {
            throw CommandFailure(.checkFailed, "the ledger refused the webhook with \(status)")
        }
    }

    private func readBody(_ profile: ProviderProfile) throws -> Data {
        if let example, let status = ExampleWebhook.Status(rawValue: example), let externalID {
            guard let body = ExampleWebhook.body(profile: profile, status: status, externalID: externalID) else {
                throw CommandFailure(.usage, "\(provider) has no webhook for \(example)")
            }
            return Data(body.utf8)
        }
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CommandFailure(.usage, "--file \(file) cannot be read")
            }
            return data
        }
        return FileHandle.standardInput.readDataToEndOfFile()
    }

    private func ledgerAddress(_ configuration: LedgerConfiguration) -> String { configuration.ledgerAddress(url) }

    private func post(_ body: Data, webhook: SignedWebhook, to address: String) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: address + webhook.path)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        for header in webhook.headers { request.headers.add(name: header.name, value: header.value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(timeoutSeconds))
            let answer = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), String(buffer: answer))
        } catch {
            // NIO's words for a refused connection read "connection reset (error set): Connection refused) (errno: 111)".
            let why = "\(error)".contains("Connection refused") ? "nothing listens there (connection refused)" : "\(error)"
            throw CommandFailure(.checkFailed, "cannot reach \(address) (is `ledger serve` running there?): \(why)")
        }
    }
}

extension LedgerConfiguration {
    /// `url` (`--url` of send and sign), else where `ledger serve` listens by
    /// the same settings (a wildcard address is reached on loopback).
    func ledgerAddress(_ url: String?) -> String {
        if let url { return url.hasSuffix("/") ? String(url.dropLast()) : url }
        let host = ["", "0.0.0.0", "::"].contains(server.host) ? "127.0.0.1" : server.host
        return "http://\(host.contains(":") ? "[\(host)]" : host):\(server.port)"
    }
}
