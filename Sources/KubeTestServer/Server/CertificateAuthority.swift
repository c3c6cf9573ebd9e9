import Crypto
import Foundation
import SwiftASN1
import X509

/// A throwaway P-256 CA that signs the server certificate (127.0.0.1, localhost) and client
/// certificates whose CN and O become the user and groups, as kube-apiserver's x509 authenticator reads them.
struct CertificateAuthority: Sendable {
    let key: P256.Signing.PrivateKey
    let certificate: Certificate

    init() throws {
        key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("kube-test-server-ca") }
        let now = Date()
        certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(86400 * 365),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(key))
    }

    var pem: String { (try? certificate.serializeAsPEM().pemString) ?? "" }

    /// Issues a leaf certificate; returns (certificate PEM, PKCS#8 key PEM).
    func issue(commonName: String, organizations: [String], server: Bool) throws -> (String, String) {
        let leafKey = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            for organization in organizations { OrganizationName(organization) }
            CommonName(commonName)
        }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(leafKey.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(86400 * 30),
            issuer: self.certificate.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([server ? .serverAuth : .clientAuth])
                if server {
                    SubjectAlternativeNames([.dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
                }
            },
            issuerPrivateKey: .init(key))
        return (try certificate.serializeAsPEM().pemString, leafKey.pemRepresentation)
    }

    /// The CN of a client certificate in DER form.
    static func commonName(der: [UInt8]) -> String? {
        guard let certificate = try? Certificate(derEncoded: der) else { return nil }
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                return String(describing: attribute.value)
            }
        }
        return nil
    }
}
