import Foundation
import LedgerProviders

/// A webhook signed as its provider would sign it: the path it is posted to
/// (with its `?token=` for query-token providers) and the headers that
/// authenticate it. `ledger sign` prints one; `ledger send` posts one.
struct SignedWebhook {
    var path: String
    var headers: [(name: String, value: String)]

    /// The secrets a provider's webhooks are signed with: the option first,
    /// then the configuration's (`LEDGER_PROVIDER_<NAME>_SECRET` /
    /// `_SIGNING_SECRET`, or the file's).
    struct Secrets {
        var secret: String?
        var signingSecret: String?

        init(provider: String, secret: String?, signingSecret: String?, configuration: LedgerConfiguration) {
            self.secret = secret ?? configuration.providerSecrets[provider]
            self.signingSecret = signingSecret ?? configuration.providerSigningSecrets[provider]
        }
    }

    /// The profile a provider name stands for, or a usage error naming the known ones.
    static func profile(_ provider: String, configuration: LedgerConfiguration) throws -> ProviderProfile {
        guard let profile = configuration.providers.profiles[provider] else {
            let known = configuration.providers.profiles.keys.sorted().joined(separator: ", ")
            throw CommandFailure(.usage, "--provider must be one of \(known)")
        }
        return profile
    }

    /// Signs `body` (read only when a signature needs it) as delivery `id` at `timestamp` seconds.
    static func sign(provider: String, profile: ProviderProfile, secrets: Secrets, id: String, timestamp: String,
                     body: () -> Data) throws -> SignedWebhook {
        let key = ProviderRegistry.secretKey(provider)
        var webhook = SignedWebhook(path: "/v1/webhooks/\(provider)", headers: [])
        switch profile.authentication {
        case .queryToken(let parameter):
            guard secrets.secret != nil || secrets.signingSecret != nil else {
                throw CommandFailure(.usage, "give --secret or set \(key)")
            }
            if let token = secrets.secret.map({ $0.split(separator: " ").first.map(String.init) ?? $0 }) {
                webhook.path += "?\(parameter)=" + (token.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? token)
            }
            if let signing = secrets.signingSecret {
                let signature = try signV3(signing, id: id, timestamp: timestamp, body: body())
                webhook.headers = standardHeaders(id: id, timestamp: timestamp, signature: "v3," + signature)
            }
        case .falSignature:
            throw CommandFailure(.usage, "\(provider) webhooks are signed with fal's own private key: the ledger cannot sign them")
        case .standardWebhooks:
            guard let secret = secrets.secret else { throw CommandFailure(.usage, "give --secret or set \(key)") }
            let signature = try signV1(secret, id: id, timestamp: timestamp, body: body())
            webhook.headers = standardHeaders(id: id, timestamp: timestamp, signature: signature)
        }
        return webhook
    }

    /// A new delivery id, as Standard Webhooks senders draw them.
    static func newMessageID() -> String {
        "msg_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }

    private static func standardHeaders(id: String, timestamp: String, signature: String) -> [(name: String, value: String)] {
        [("webhook-id", id), ("webhook-timestamp", timestamp), ("webhook-signature", signature)]
    }

    /// WaveSpeed's own `v3` signature with its signing secret.
    private static func signV3(_ secret: String, id: String, timestamp: String, body: Data) throws -> String {
        let credentials: WebhookCredentials
        do { credentials = try WebhookCredentials.signingOnly(secret) } catch {
            let detail = if case .misconfigured(let detail) = error { detail } else { "\(error)" }
            throw CommandFailure(.usage, "--signing-secret: \(detail)")
        }
        return StandardWebhookVerifier(credentials: credentials).signV3(id: id, timestamp: timestamp, body: body) ?? ""
    }

    /// `v1,<base64>` for a whsec_ secret, `v1a,<base64>` for a whsk_ key.
    private static func signV1(_ secret: String, id: String, timestamp: String, body: Data) throws -> String {
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
