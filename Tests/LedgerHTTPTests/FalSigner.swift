import Crypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPTypes
import Hummingbird
import LedgerCore
import HummingbirdTesting
import LedgerProviders
import Synchronization

/// fal's side of a webhook, for tests: signing keys, their JWKS served on
/// loopback (`/.well-known/jwks.json`), and headers signed as fal documents.
final class FalSigner: Sendable {
    private let signingKey: Data
    private let published: Mutex<[Data]>
    private let fetchCount = Mutex(0)
    let url: String
    let keyring: JWKSKeyring

    private init(port: Int, refetchEvery: Duration) {
        let key = Curve25519.Signing.PrivateKey()
        signingKey = key.rawRepresentation
        published = Mutex([key.publicKey.rawRepresentation])
        url = "http://127.0.0.1:\(port)/.well-known/jwks.json"
        let address = url
        keyring = JWKSKeyring(source: address, refetchedAtMostEvery: refetchEvery) {
            let (data, _) = try await URLSession.shared.data(from: URL(string: address)!)
            return data
        }
    }

    /// Runs `test` with fal's key set served on loopback.
    static func serving(refetchEvery: Duration = JWKSKeyring.refetchedAtMostEvery,
                        _ test: @escaping @Sendable (FalSigner) async throws -> Void) async throws {
        let holder = Mutex<FalSigner?>(nil)
        let router = Router()
        router.get(".well-known/jwks.json") { _, _ -> Response in
            guard let signer = holder.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: signer.keySet())))
        }
        try await Application(router: router).test(.live) { client in
            let signer = FalSigner(port: client.port!, refetchEvery: refetchEvery)
            holder.withLock { $0 = signer }
            try await test(signer)
        }
    }

    /// The key set as fal publishes it (RFC 7517, OKP Ed25519 keys).
    private func keySet() -> String {
        fetchCount.withLock { $0 += 1 }
        let keys = published.withLock { $0 }.enumerated().map { index, key in
            let x = Base64URL.encode(key)
            return #"{"kty":"OKP","crv":"Ed25519","use":"sig","kid":"fal-\#(index)","x":"\#(x)"}"#
        }
        return #"{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"not-ed25519"},\#(keys.joined(separator: ","))]}"#
    }

    func publish(_ keys: [Curve25519.Signing.PublicKey]) { published.withLock { $0 = keys.map(\.rawRepresentation) } }

    func fetches() -> Int { fetchCount.withLock { $0 } }

    /// The headers fal sends with `body`, signed by `key` (fal's own by default).
    func headers(_ body: String, userID: String, at time: Date, requestID: String = "123e4567-e89b-12d3-a456-426614174000",
                 key: Curve25519.Signing.PrivateKey? = nil) -> HTTPFields {
        let timestamp = String(Int64(time.timeIntervalSince1970))
        let message = FalSignature.message(requestID: requestID, userID: userID, timestamp: timestamp, body: Data(body.utf8))
        let signer = key ?? (try! Curve25519.Signing.PrivateKey(rawRepresentation: signingKey))
        let signature = Hex.string(try! signer.signature(for: message))
        return [HTTPField.Name("x-fal-webhook-request-id")!: requestID, HTTPField.Name("x-fal-webhook-user-id")!: userID,
                HTTPField.Name("x-fal-webhook-timestamp")!: timestamp, HTTPField.Name("x-fal-webhook-signature")!: signature,
                .contentType: "application/json"]
    }
}
