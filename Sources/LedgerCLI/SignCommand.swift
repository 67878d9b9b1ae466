import ArgumentParser
import Foundation
import LedgerHTTP

/// `ledger sign`: the headers a correctly signed webhook needs.
struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Print the headers that sign a webhook body read from stdin.",
        discussion: """
            For providers signing with Standard Webhooks (standard, replicate): prints webhook-id,
            webhook-timestamp and webhook-signature for the body on stdin, to debug a 401 or to
            send a test webhook with curl. The secret comes from --secret or
            LEDGER_PROVIDER_<NAME>_SECRET.

            Example:
              echo '{"id":"p1","status":"succeeded"}' | ledger sign --provider replicate --secret whsec_...
            """
    )

    @Option(help: "The provider: standard or replicate.") var provider: String
    @Option(help: "The whsec_ secret (default: $LEDGER_PROVIDER_<NAME>_SECRET).") var secret: String?
    @Option(help: "The webhook-id (default: a new msg_ id).") var id: String?
    @Option(help: "The webhook-timestamp in seconds (default: now).") var timestamp: Int64?

    func validate() throws {
        guard ProviderProfile.builtIn[provider] != nil else {
            throw ValidationError("--provider must be one of \(ProviderProfile.builtIn.keys.sorted().joined(separator: ", "))")
        }
    }

    func run() throws {
        let key = "LEDGER_PROVIDER_\(provider.uppercased())_SECRET"
        guard let secret = secret ?? ProcessInfo.processInfo.environment[key] else {
            throw CommandFailure(.usage, "give --secret or set \(key)")
        }
        let verifier: StandardWebhookVerifier
        do { verifier = try StandardWebhookVerifier(secret: secret) } catch {
            throw CommandFailure(.usage, "--secret is not whsec_ followed by base64")
        }
        let body = FileHandle.standardInput.readDataToEndOfFile()
        let messageID = id ?? "msg_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let time = String(timestamp ?? Int64(Date().timeIntervalSince1970))
        let signature = verifier.sign(id: messageID, timestamp: time, body: body).base64EncodedString()
        writeOut("webhook-id: \(messageID)\nwebhook-timestamp: \(time)\nwebhook-signature: v1,\(signature)")
    }
}
