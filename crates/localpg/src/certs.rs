//! A CA and a server certificate it signed, generated with rcgen.
//!
//! ECDSA P-256: channel binding (`tls-server-end-point`) needs a certificate whose signature
//! names a hash, which Ed25519's does not.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
};

use crate::Error;

/// PEM texts of a freshly generated CA and server certificate.
pub(crate) struct Generated {
    pub(crate) ca_cert: String,
    pub(crate) server_cert: String,
    pub(crate) server_key: String,
}

/// The names the server certificate is valid for.
pub(crate) const SERVER_NAMES: [&str; 2] = ["localhost", "127.0.0.1"];

pub(crate) fn generate() -> Result<Generated, Error> {
    let certificate = |source| Error::Certificate { source };

    let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(certificate)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(certificate)?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Gatehouse local PostgreSQL CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params.self_signed(&ca_key).map_err(certificate)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(certificate)?;
    let names: Vec<String> = SERVER_NAMES.iter().map(|n| (*n).to_owned()).collect();
    let mut server_params = CertificateParams::new(names).map_err(certificate)?;
    server_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    server_params.is_ca = IsCa::ExplicitNoCa;
    server_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_cert = server_params
        .signed_by(&server_key, &issuer)
        .map_err(certificate)?;

    Ok(Generated {
        ca_cert: ca_cert.pem(),
        server_cert: server_cert.pem(),
        server_key: server_key.serialize_pem(),
    })
}
