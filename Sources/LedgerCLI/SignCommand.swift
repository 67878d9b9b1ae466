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
            For providers signing with Standard Webhooks (standard, replicate, custom ones): prints the
            URL, webhook-id, webhook-timestamp and webhook-signature for the body on stdin (v1 with a
            whsec_ secret, v1a with a whsk_ Ed25519 key). For query-token providers (wavespeed, nca):
            prints the URL with its ?token=, and with a signing secret (WaveSpeed's own v3 signature)
            the webhook-id, webhook-timestamp and webhook-signature too. To debug a 401 or to send a
            test webhook with curl. The secret comes from --secret or LEDGER_PROVIDER_<NAME>_SECRET,
            the signing secret from --signing-secret or LEDGER_PROVIDER_<NAME>_SIGNING_SECRET.

            Example:
              echo '{"id":"p1","status":"succeeded"}' | ledger sign --provider replicate --secret whsec_...
            """
    )

    @Option(help: "The provider: a built-in one (standard, replicate, wavespeed, nca) or one from --config.") var provider: String
    @Option(help: "The secret: whsec_... (v1), whsk_... (a v1a Ed25519 signing key), or the ?token= value (default: $LEDGER_PROVIDER_<NAME>_SECRET).")
    var secret: String?
    @Option(help: "A query-token provider's signing secret, whsec_... (default: $LEDGER_PROVIDER_<NAME>_SIGNING_SECRET).")
    var signingSecret: String?
    @Option(help: "The webhook-id (default: a new msg_ id).") var id: String?
    @Option(help: "The webhook-timestamp in seconds (default: now).") var timestamp: Int64?
    @Option(help: "The ledger's address, for the URL printed (default: http://127.0.0.1:8080).") var url = "http://127.0.0.1:8080"
    @Option(help: "A configuration file with custom provider profiles.") var config: String?

    func run() throws {
        let file: ConfigurationFile
        do { file = try ConfigurationFile.load(config) } catch {
            throw CommandFailure(.usage, error.description)
        }
        guard let profile = ProviderProfile.builtIn[provider] ?? file.profiles[provider] else {
            let known = Set(ProviderProfile.builtIn.keys).union(file.profiles.keys).sorted().joined(separator: ", ")
            throw CommandFailure(.usage, "--provider must be one of \(known)")
        }
        let key = ProviderRegistry.secretKey(provider), signingKey = ProviderRegistry.signingSecretKey(provider)
        let environment = ProcessInfo.processInfo.environment
        let secret = secret ?? environment[key] ?? file.environment[key]
        let endpoint = "\(url)/v1/webhooks/\(provider)"
        let messageID = id ?? "msg_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let time = String(timestamp ?? Int64(Date().timeIntervalSince1970))
        switch profile.authentication {
        case .queryToken(let parameter):
            let signing = signingSecret ?? environment[signingKey] ?? file.environment[signingKey]
            guard secret != nil || signing != nil else { throw CommandFailure(.usage, "give --secret or set \(key)") }
            let token = secret.map { $0.split(separator: " ").first.map(String.init) ?? $0 }
            let query = token.map { "?\(parameter)=" + ($0.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? $0) }
            writeOut("POST \(endpoint)\(query ?? "")")
            if let signing {
                let body = FileHandle.standardInput.readDataToEndOfFile()
                let signature = try signV3(signing, id: messageID, timestamp: time, body: body)
                writeOut("webhook-id: \(messageID)\nwebhook-timestamp: \(time)\nwebhook-signature: v3,\(signature)")
            }
        case .standardWebhooks:
            guard let secret else { throw CommandFailure(.usage, "give --secret or set \(key)") }
            let body = FileHandle.standardInput.readDataToEndOfFile()
            let signature = try sign(secret, id: messageID, timestamp: time, body: body)
            writeOut("POST \(endpoint)\nwebhook-id: \(messageID)\nwebhook-timestamp: \(time)\nwebhook-signature: \(signature)")
        }
    }

    private func signV3(_ secret: String, id: String, timestamp: String, body: Data) throws -> String {
        let credentials: WebhookCredentials
        do { credentials = try WebhookCredentials.signingOnly(secret) } catch {
            let detail = if case .misconfigured(let detail) = error { detail } else { "\(error)" }
            throw CommandFailure(.usage, "--signing-secret: \(detail)")
        }
        return StandardWebhookVerifier(credentials: credentials).signV3(id: id, timestamp: timestamp, body: body) ?? ""
    }

    /// `v1,<base64>` for a whsec_ secret, `v1a,<base64>` for a whsk_ key.
    private func sign(_ secret: String, id: String, timestamp: String, body: Data) throws -> String {
        do {
            if secret.hasPrefix("whsk_") {
                let signature = try StandardWebhookVerifier.signEd25519(id: id, timestamp: timestamp, body: body, secretKey: secret)
                return "v1a," + signature.base64EncodedString()
            }
            guard let signature = try StandardWebhookVerifier(secret: secret).sign(id: id, timestamp: timestamp, body: body) else {
                throw CommandFailure(.usage, "--secret must be a whsec_ secret or a whsk_ signing key (a whpk_ key only verifies)")
            }
            return "v1," + signature.base64EncodedString()
        } catch let rejection as WebhookRejection {
            guard case .misconfigured(let detail) = rejection else { throw rejection }
            throw CommandFailure(.usage, "--secret: \(detail)")
        }
    }
}

extension CharacterSet {
    /// What may stand unescaped in a query value.
    static let urlQueryValueAllowed = CharacterSet.urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&+=?#"))
}
