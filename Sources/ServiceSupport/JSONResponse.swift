public import Foundation
public import Hummingbird

extension Response {
    /// A JSON answer: `value` encoded with `encoder` (sorted keys by default) and
    /// `Content-Type: application/json`. A value that cannot be encoded becomes a 500 with a
    /// JSON error body instead of an empty answer.
    ///
    /// - Parameters:
    ///   - value: The body.
    ///   - status: The response status; 200 by default.
    ///   - encoder: The encoder of `value`.
    public static func json<Value: Encodable>(
        _ value: Value, status: HTTPResponse.Status = .ok, encoder: JSONEncoder = .sortedKeys
    ) -> Response {
        let data: Data
        var status = status
        do {
            data = try encoder.encode(value)
        } catch {
            data = Data(#"{"error":"response could not be encoded","status":500}"#.utf8)
            status = .internalServerError
        }
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The Prometheus text exposition format (version 0.0.4).
    ///
    /// - Parameter text: The rendered metrics.
    /// - Returns: A 200 response with the exposition format's `Content-Type`.
    public static func prometheusText(_ text: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

extension JSONEncoder {
    /// An encoder with sorted keys, so the same value always gives the same bytes.
    public static var sortedKeys: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
