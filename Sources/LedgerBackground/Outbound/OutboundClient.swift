import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
#if canImport(Glibc)
import Glibc
#endif

/// A request to a provider's status API or the app's endpoint.
public struct OutboundRequest: Sendable {
    public var method: HTTPMethod
    public var url: String
    public var headers: [(String, String)]
    public var body: Data?

    public init(method: HTTPMethod, url: String, headers: [(String, String)] = [], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

public struct OutboundResponse: Sendable {
    public var status: Int
    /// Header values by lower-cased name (the first of each).
    public var headers: [String: String]
    public var body: Data
    public var latencyMilliseconds: Int64
}

/// Why an outbound request did not get a response.
public enum OutboundError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidURL(String)
    case refusedTarget(String)
    case transport(String)
    case responseTooLarge(Int)

    public var description: String {
        switch self {
        case .invalidURL(let detail): "invalid URL: \(detail)"
        case .refusedTarget(let detail): "refused target: \(detail) (set LEDGER_ALLOW_PRIVATE_TARGETS=true for local setups)"
        case .transport(let detail): "transport: \(detail)"
        case .responseTooLarge(let limit): "the response is over \(limit) bytes"
        }
    }
}

/// Outbound HTTP made safe: redirects are never
/// followed, connect and read timeouts are set, responses are capped, and the
/// target's addresses are checked after DNS resolution (``AddressPolicy``).
/// For `http` the request then goes to the checked address itself, so a name
/// that resolves differently a moment later (DNS rebinding) cannot slip
/// through; for `https` the name must stay for TLS, so that window remains.
public final class OutboundClient: Sendable {
    private let client: HTTPClient
    public let allowPrivateTargets: Bool
    public let responseBytesMax: Int
    private let deadline: TimeAmount

    public init(allowPrivateTargets: Bool, connectTimeout: TimeAmount = .seconds(5), readTimeout: TimeAmount = .seconds(10),
                responseBytesMax: Int = 1 << 20) {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow,
                                                     timeout: .init(connect: connectTimeout, read: readTimeout))
        configuration.decompression = .disabled
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        self.allowPrivateTargets = allowPrivateTargets
        self.responseBytesMax = responseBytesMax
        deadline = connectTimeout + readTimeout
    }

    public func shutdown() async {
        try? await client.shutdown()
    }

    public func send(_ request: OutboundRequest) async throws(OutboundError) -> OutboundResponse {
        let (url, host) = try await checkedTarget(request.url)
        var outgoing = HTTPClientRequest(url: url)
        outgoing.method = request.method
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if url != request.url { outgoing.headers.replaceOrAdd(name: "host", value: host) }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        let started = ContinuousClock.now
        do {
            let response = try await client.execute(outgoing, timeout: deadline)
            let body: ByteBuffer
            do {
                body = try await collect(response, until: started + .nanoseconds(deadline.nanoseconds))
            } catch is NIOTooManyBytesError {
                throw OutboundError.responseTooLarge(responseBytesMax)
            }
            var headers: [String: String] = [:]
            for field in response.headers where headers[field.name.lowercased()] == nil {
                headers[field.name.lowercased()] = field.value
            }
            let elapsed = ContinuousClock.now - started
            return OutboundResponse(status: Int(response.status.code), headers: headers, body: Data(body.readableBytesView),
                                    latencyMilliseconds: elapsed.components.seconds * 1000
                                        + elapsed.components.attoseconds / 1_000_000_000_000_000)
        } catch let error as OutboundError {
            throw error
        } catch {
            throw .transport(String(describing: error))
        }
    }

    /// The body, read within what is left of the exchange's deadline. The
    /// read timeout bounds each wait for a byte only: an app trickling a byte
    /// every few seconds held the notifier, which sends one at a time, for
    /// minutes while every other notification waited.
    private func collect(_ response: HTTPClientResponse, until end: ContinuousClock.Instant) async throws -> ByteBuffer {
        let limit = responseBytesMax
        let deadline = deadline
        return try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask { try await response.body.collect(upTo: limit) }
            group.addTask {
                try await Task.sleep(until: end)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let body = first else {
                throw OutboundError.transport("the answer's body did not arrive within \(deadline.nanoseconds / 1_000_000_000) s")
            }
            return body
        }
    }

    /// The URL to request (for `http`, with the checked address in place of the
    /// name) and the original `host[:port]`.
    private func checkedTarget(_ text: String) async throws(OutboundError) -> (String, String) {
        guard var components = HTTPURL.components(text), let scheme = components.scheme?.lowercased(),
              let host = components.host else {
            throw .invalidURL(HTTPURL.problem(text) ?? text)
        }
        let hostHeader = components.port.map { "\(host):\($0)" } ?? host
        let addresses = await Self.resolve(host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")))
        guard let first = addresses.first else { throw .transport("\(host) does not resolve") }
        if !allowPrivateTargets {
            for address in addresses {
                if let refusal = AddressPolicy.refusal(address) { throw .refusedTarget("\(host) is \(refusal)") }
            }
        }
        guard scheme == "http" else { return (text, hostHeader) }
        components.host = first.count == 16 ? "[\(Self.text(first))]" : Self.text(first)
        return (components.string ?? text, hostHeader)
    }

    /// Every address `host` resolves to (getaddrinfo, off the cooperative pool).
    static func resolve(_ host: String) async -> [[UInt8]] {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var hints = addrinfo()
                hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
                var result: UnsafeMutablePointer<addrinfo>?
                guard getaddrinfo(host, nil, &hints, &result) == 0 else { return continuation.resume(returning: []) }
                defer { freeaddrinfo(result) }
                var addresses: [[UInt8]] = []
                var cursor = result
                while let info = cursor?.pointee {
                    if info.ai_family == AF_INET, let raw = info.ai_addr {
                        raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                            var address = pointer.pointee.sin_addr
                            addresses.append(withUnsafeBytes(of: &address) { Array($0) })
                        }
                    } else if info.ai_family == AF_INET6, let raw = info.ai_addr {
                        raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                            var address = pointer.pointee.sin6_addr
                            addresses.append(withUnsafeBytes(of: &address) { Array($0) })
                        }
                    }
                    cursor = info.ai_next
                }
                continuation.resume(returning: addresses)
            }
        }
    }

    static func text(_ address: [UInt8]) -> String {
        if address.count == 4 { return address.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(address[$0]) << 8 | UInt16(address[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }
}
