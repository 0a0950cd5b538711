import AnomalyModels
import Foundation
import Hummingbird
import Logging
import PromExposition
import ServiceSupport
import ThreatRules
import TrafficFeatures
import WindowFormat

/// A request the API refuses: the status and a message naming the problem (and the field).
struct APIError: Error {
    var status: HTTPResponse.Status
    var message: String
    var field: String?

    struct Body: Encodable {
        let error: String
        let field: String?
        let status: Int
    }
}

/// Turns every error — ours, Hummingbird's (unknown path, wrong method) or unexpected ones —
/// into a JSON body, counts the request by endpoint and status, and never lets a 5xx out
/// for bad input.
struct ErrorAndMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: DetectorMetrics
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let endpoint = Self.endpoint(request.uri.path)
        do {
            let response = try await next(request, context)
            metrics.request(endpoint: endpoint, code: Int(response.status.code))
            return response
        } catch let error as APIError {
            metrics.request(endpoint: endpoint, code: Int(error.status.code))
            return Response.json(APIError.Body(error: error.message, field: error.field, status: Int(error.status.code)), status: error.status)
        } catch let error as HTTPError {
            // The router answers 404 for a known path with another method: say 405.
            let status: HTTPResponse.Status =
                error.status == .notFound && DetectorRoutes.paths.contains(request.uri.path) ? .methodNotAllowed : error.status
            metrics.request(endpoint: endpoint, code: Int(status.code))
            var response: Response
            let message = switch status {
            case .notFound: "no such endpoint: \(request.method) \(request.uri.path)"
            case .methodNotAllowed: "\(request.method) is not allowed on \(request.uri.path)"
            case .contentTooLarge: "request body is larger than \(DetectorRoutes.maximumBodyBytes) bytes"
            default: error.body ?? "\(error.status.reasonPhrase)"
            }
            response = Response.json(APIError.Body(error: message, field: nil, status: Int(status.code)), status: status)
            if status == .methodNotAllowed, let allowed = DetectorRoutes.methods[request.uri.path] {
                response.headers[.allow] = allowed.rawValue
            }
            return response
        } catch {
            logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            metrics.request(endpoint: endpoint, code: 500)
            return Response.json(APIError.Body(error: "internal error", field: nil, status: 500), status: .internalServerError)
        }
    }

    /// The metrics label of a path: known endpoints by name, everything else `other` (bounded).
    static func endpoint(_ path: String) -> String {
        DetectorRoutes.paths.contains(path) ? path : "other"
    }
}

/// One element of a `/detect` body: a network window or an authentication event, told apart by
/// their keys (`total_attempts`, `username_type` or `username_text` ⇒ authentication).
enum DetectItem: Decodable {
    case network(WindowEnvelope)
    case authentication(AuthenticationEvent)

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let keys = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
        if keys.contains(where: { ["total_attempts", "username_type", "username_text", "failed_attempts"].contains($0) }) {
            self = .authentication(try AuthenticationEvent(from: decoder))
        } else {
            self = .network(try WindowEnvelope(from: decoder))
        }
    }
}

extension DecodingError {
    /// A message for people and the field it concerns.
    var explanation: (message: String, field: String?) {
        func path(_ codingPath: [any CodingKey]) -> String? {
            let parts = codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return parts.isEmpty ? nil : parts.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch self {
        case let .keyNotFound(key, context):
            let field = path(context.codingPath + [key]) ?? key.stringValue
            return ("\(field) is required", field)
        case let .typeMismatch(type, context):
            let field = path(context.codingPath)
            return ("\(field ?? "body") has the wrong type: expected \(Self.name(of: type))", field)
        case let .valueNotFound(type, context):
            let field = path(context.codingPath)
            return ("\(field ?? "body") is null: expected \(Self.name(of: type))", field)
        case let .dataCorrupted(context):
            let field = path(context.codingPath)
            if context.codingPath.isEmpty {
                return ("malformed JSON: \(context.debugDescription)", nil)
            }
            return (context.debugDescription, field)
        @unknown default:
            return ("\(self)", nil)
        }
    }

    private static func name(of type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Double.Type, is Float.Type: "a number"
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        default: "\(type)".contains("Dictionary") ? "an object" : "\(type)".contains("Array") ? "an array" : "\(type)"
        }
    }
}
