internal import CCurl
import Foundation

/// Owns one `CURL*` easy handle; created in init, cleaned up in deinit. Reused for many
/// requests so libcurl keeps the connection alive between them.
final class EasyHandle {
    private let handle: UnsafeMutableRawPointer

    init() {
        guard let handle = curl_easy_init() else { fatalError("curl_easy_init failed: out of memory") }
        self.handle = handle
    }

    deinit { curl_easy_cleanup(handle) }

    /// The state libcurl's callbacks write into during one transfer.
    final class Transfer {
        var onData: ([UInt8]) -> Bool
        var headers: [(name: String, value: String)] = []
        var status = 0
        var upload: [UInt8]
        var uploadOffset = 0
        var shouldAbort: (@Sendable () -> Bool)?

        init(onData: @escaping ([UInt8]) -> Bool, upload: [UInt8]) {
            self.onData = onData
            self.upload = upload
        }
    }

    func perform(_ request: HTTPRequest, configuration: HTTPClient.Configuration,
                 onData: @escaping ([UInt8]) -> Bool) throws -> (Int, [(name: String, value: String)], String) {
        curl_easy_reset(handle)
        let transfer = Transfer(onData: onData, upload: request.body ?? [])
        transfer.shouldAbort = request.shouldAbort
        let box = Unmanaged.passRetained(transfer)
        defer { box.release() }
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        var connectTo: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(connectTo) }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errorPointer in
            var blobs: [UnsafeMutableRawPointer] = []
            defer { blobs.forEach { $0.deallocate() } }
            // tls-server-name: verify (and send SNI for) another name than the URL's host. libcurl
            // checks the certificate against the URL's host, so the URL names `serverName` and
            // CONNECT_TO sends the connection to the real host and port.
            var url = request.url
            if let serverName = configuration.tls.serverName, !serverName.isEmpty,
               let target = ServerNameRewrite(url: request.url, serverName: serverName) {
                url = target.url
                connectTo = curl_slist_append(connectTo, target.connectTo)
                _ = reconcile_curl_easy_setopt_slist(handle, CURLOPT_CONNECT_TO, connectTo)
            }
            set(CURLOPT_URL, url)
            set(CURLOPT_CUSTOMREQUEST, request.method)
            set(CURLOPT_USERAGENT, configuration.userAgent)
            set(CURLOPT_NOSIGNAL, 1)
            set(CURLOPT_CONNECTTIMEOUT_MS, Int(configuration.connectTimeout * 1000))
            let timeout = request.timeout ?? configuration.requestTimeout
            set(CURLOPT_TIMEOUT_MS, Int(timeout * 1000))
            set(CURLOPT_ACCEPT_ENCODING, "")
            set(CURLOPT_TCP_KEEPALIVE, 1)
            if configuration.http2 { set(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS)) }
            if let proxy = configuration.proxy { set(CURLOPT_PROXY, proxy) }
            _ = reconcile_curl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorPointer.baseAddress)

            // TLS
            let tls = configuration.tls
            if tls.insecureSkipVerify {
                set(CURLOPT_SSL_VERIFYPEER, 0)
                set(CURLOPT_SSL_VERIFYHOST, 0)
            }
            func blob(_ option: CURLoption, _ bytes: [UInt8]) {
                let memory = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 1)
                bytes.withUnsafeBytes { memory.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
                blobs.append(memory)
                var value = curl_blob(data: memory, len: bytes.count, flags: UInt32(CURL_BLOB_COPY))
                _ = reconcile_curl_easy_setopt_blob(handle, option, &value)
            }
            if let ca = tls.caPEM, !ca.isEmpty { blob(CURLOPT_CAINFO_BLOB, ca) }
            if let cert = tls.clientCertificatePEM, !cert.isEmpty {
                blob(CURLOPT_SSLCERT_BLOB, cert)
                set(CURLOPT_SSLCERTTYPE, "PEM")
            }
            if let key = tls.clientKeyPEM, !key.isEmpty {
                blob(CURLOPT_SSLKEY_BLOB, key)
                set(CURLOPT_SSLKEYTYPE, "PEM")
            }

            // Headers and body
            for header in request.headers {
                headerList = curl_slist_append(headerList, "\(header.name): \(header.value)")
            }
            if request.body != nil {
                headerList = curl_slist_append(headerList, "Expect:")
                set(CURLOPT_UPLOAD, 1)
                _ = reconcile_curl_easy_setopt_offset(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(transfer.upload.count))
                _ = reconcile_curl_easy_setopt_data_callback(handle, CURLOPT_READFUNCTION, readCallback)
                _ = reconcile_curl_easy_setopt_pointer(handle, CURLOPT_READDATA, box.toOpaque())
            }
            _ = reconcile_curl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)
            // Always: the process's shutdown (`Transfers.cancelAll`) aborts through it too.
            set(CURLOPT_NOPROGRESS, 0)
            _ = reconcile_curl_easy_setopt_xferinfo_callback(handle, CURLOPT_XFERINFOFUNCTION, progressCallback)
            _ = reconcile_curl_easy_setopt_pointer(handle, CURLOPT_XFERINFODATA, box.toOpaque())
            _ = reconcile_curl_easy_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, writeCallback)
            _ = reconcile_curl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, box.toOpaque())
            _ = reconcile_curl_easy_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION, headerCallback)
            _ = reconcile_curl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, box.toOpaque())
            return curl_easy_perform(handle)
        }
        var status = 0
        _ = reconcile_curl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var version = 0
        _ = reconcile_curl_easy_getinfo_long(handle, CURLINFO_HTTP_VERSION, &version)
        let httpVersion = version == Int(CURL_HTTP_VERSION_2_0) ? "2" : "1.1"
        if code != CURLE_OK && !(code == CURLE_WRITE_ERROR && status != 0) {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            throw HTTPError(kind: EasyHandle.kind(of: code), code: Int(code.rawValue), message: message, url: request.url)
        }
        return (status, transfer.headers, httpVersion)
    }

    private func set(_ option: CURLoption, _ value: Int) {
        _ = reconcile_curl_easy_setopt_long(handle, option, value)
    }

    private func set(_ option: CURLoption, _ value: String) {
        _ = reconcile_curl_easy_setopt_string(handle, option, value)
    }

    static func kind(of code: CURLcode) -> HTTPError.Kind {
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING:
            return .connect
        case CURLE_OPERATION_TIMEDOUT: return .timeout
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE:
            return .tls
        case CURLE_WRITE_ERROR, CURLE_ABORTED_BY_CALLBACK: return .aborted
        default: return .other
        }
    }
}

private func writeCallback(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?) -> Int {
    guard let userdata, let buffer else { return 0 }
    let transfer = Unmanaged<EasyHandle.Transfer>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    let bytes = [UInt8](UnsafeRawBufferPointer(start: buffer, count: length))
    return transfer.onData(bytes) ? length : 0
}

private func headerCallback(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?) -> Int {
    guard let userdata, let buffer else { return 0 }
    let transfer = Unmanaged<EasyHandle.Transfer>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    let line = String(decoding: UnsafeRawBufferPointer(start: buffer, count: length), as: UTF8.self)
        .trimmingCharacters(in: .whitespacesAndNewlines)
    if line.hasPrefix("HTTP/") {
        // A new response (after a redirect or 100 Continue): start over.
        transfer.headers.removeAll()
        let parts = line.split(separator: " ")
        if parts.count > 1, let status = Int(parts[1]) { transfer.status = status }
    } else if let colon = line.firstIndex(of: ":") {
        let name = String(line[..<colon]).trimmingCharacters(in: .whitespaces)
        let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        transfer.headers.append((name, value))
    }
    return length
}

private func readCallback(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?) -> Int {
    guard let userdata, let buffer else { return 0 }
    let transfer = Unmanaged<EasyHandle.Transfer>.fromOpaque(userdata).takeUnretainedValue()
    let remaining = transfer.upload.count - transfer.uploadOffset
    let length = min(size * count, remaining)
    guard length > 0 else { return 0 }
    transfer.upload.withUnsafeBytes { source in
        UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + transfer.uploadOffset, byteCount: length)
    }
    transfer.uploadOffset += length
    return length
}

/// Progress callback: libcurl calls it about once a second even while idle; non-zero aborts,
/// when the request asks to or the process is ending.
private func progressCallback(_ userdata: UnsafeMutableRawPointer?, _ dltotal: curl_off_t, _ dlnow: curl_off_t,
                              _ ultotal: curl_off_t, _ ulnow: curl_off_t) -> Int32 {
    guard let userdata else { return 0 }
    if Transfers.isCancelled { return 1 }
    let transfer = Unmanaged<EasyHandle.Transfer>.fromOpaque(userdata).takeUnretainedValue()
    return transfer.shouldAbort?() == true ? 1 : 0
}

/// The URL rewritten to name `serverName`, and the CURLOPT_CONNECT_TO entry that still connects
/// to the original host and port.
struct ServerNameRewrite {
    var url: String
    var connectTo: String

    init?(url: String, serverName: String) {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        let host: Substring
        var port: String
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = authority[...close]
            let after = authority[authority.index(after: close)...]
            port = after.hasPrefix(":") ? String(after.dropFirst()) : ""
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            port = String(authority[authority.index(after: colon)...])
        } else {
            host = authority
            port = ""
        }
        if port.isEmpty { port = scheme == "https" ? "443" : "80" }
        guard host.lowercased() != serverName.lowercased() else { return nil }
        self.url = "\(scheme)://\(serverName):\(port)" + rest[authorityEnd...]
        self.connectTo = "\(serverName):\(port):\(host):\(port)"
    }
}
