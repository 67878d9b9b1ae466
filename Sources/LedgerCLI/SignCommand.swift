import ArgumentParser
import Foundation
import LedgerProviders
import LedgerHTTP

/// `ledger sign`: the headers a correctly signed webhook needs.
struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Print the headers that sign a webhook body read from stdin.",
        discussion: """
            For providers signing with Standard Webhooks (standard, replicate, custom
            ones): prints the URL, webhook-id, webhook-timestamp and webhook-signature for
            the body on stdin (v1 with a whsec_ secret, v1a with a whsk_ Ed25519 key). For
            query-token providers (wavespeed, nca): prints the URL with its ?token=, and
            with a signing secret (WaveSpeed's own v3 signature) the webhook-id,
            webhook-timestamp and webhook-signature too. To debug a 401 or to send a test
            webhook with curl. The secret comes from --secret or
            LEDGER_PROVIDER_<NAME>_SECRET, the signing secret from --signing-secret or
            LEDGER_PROVIDER_<NAME>_SIGNING_SECRET.

            Example:
              echo '{"id":"p1","status":"succeeded"}' \\
                  | ledger sign --provider replicate --secret whsec_...
            """
    )

    @Option(help: "The provider: a built-in one (standard, replicate, wavespeed, nca) or one from --config.") var provider: String
    @Option(help: "The secret: whsec_... (v1), whsk_... (a v1a Ed25519 signing key), or the ?token= value (default: $LEDGER_PROVIDER_<NAME>_SECRET).")
    var secret: String?
    @Option(help: "A query-token provider's signing secret, whsec_... (default: $LEDGER_PROVIDER_<NAME>_SIGNING_SECRET).")
    var signingSecret: String?
    @Option(help: "The webhook-id (default: a new msg_ id).") var id: String?
    @Option(help: "The webhook-timestamp in seconds (default: now).") var timestamp: Int64?
    @Option(help: "The ledger's address, for the URL printed (default: http://$LEDGER_HOST:$LEDGER_PORT, else http://127.0.0.1:8080).")
    var url: String?
    @Option(help: "A configuration file with custom provider profiles.") var config: String?

    func run() throws {
        let configuration = try LedgerConfiguration.load(databaseFlag: nil, file: config)
        let profile = try SignedWebhook.profile(provider, configuration: configuration)
        let secrets = SignedWebhook.Secrets(provider: provider, secret: secret, signingSecret: signingSecret, configuration: configuration)
        let webhook = try SignedWebhook.sign(
            provider: provider, profile: profile, secrets: secrets, id: id ?? SignedWebhook.newMessageID(),
            timestamp: String(timestamp ?? Int64(Date().timeIntervalSince1970)),
            body: { FileHandle.standardInput.readDataToEndOfFile() })
        let lines = ["POST \(configuration.ledgerAddress(url))\(webhook.path)"] + webhook.headers.map { "\($0.name): \($0.value)" }
        writeOut(lines.joined(separator: "\n"))
    }
}
