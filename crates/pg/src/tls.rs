//! The rustls client configuration: trusted roots, the certificate check of each mode, and the
//! optional client certificate. ring is the crypto provider, passed explicitly.

use std::path::Path;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use crate::{ConnectOptions, Error, SslMode};

/// Build the rustls client configuration for these options.
pub(crate) fn client_config(opts: &ConnectOptions) -> Result<ClientConfig, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = Arc::new(match opts.effective_ca_file() {
        Some(path) => load_roots(path)?,
        None if opts.ssl_mode() == SslMode::VerifyCa => return Err(Error::VerifyCaWithoutCaFile),
        None => RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        },
    });
    let webpki = WebPkiServerVerifier::builder_with_provider(roots, Arc::clone(&provider))
        .build()
        .map_err(|e| Error::TlsConfig {
            source: rustls::Error::General(e.to_string()),
        })?;
    let verifier: Arc<dyn ServerCertVerifier> = match opts.ssl_mode() {
        SslMode::VerifyFull => webpki,
        SslMode::VerifyCa => Arc::new(ChainOnlyVerifier { inner: webpki }),
    };

    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|source| Error::TlsConfig { source })?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    match opts.client_cert() {
        None => Ok(builder.with_no_client_auth()),
        Some((cert, key)) => {
            let (certs, key) = load_client_cert(cert, key)?;
            builder
                .with_client_auth_cert(certs, key)
                .map_err(|source| Error::TlsConfig { source })
        }
    }
}

/// The trusted roots from a PEM bundle.
pub(crate) fn load_roots(path: &Path) -> Result<RootCertStore, Error> {
    let pem = std::fs::read(path).map_err(|source| Error::ReadCaFile {
        path: path.to_owned(),
        source,
    })?;
    let invalid = |reason: String| Error::InvalidCaFile {
        path: path.to_owned(),
        reason,
    };
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|e| invalid(e.to_string()))?;
        roots.add(cert).map_err(|e| invalid(e.to_string()))?;
    }
    if roots.is_empty() {
        return Err(invalid("no CERTIFICATE block found".to_owned()));
    }
    Ok(roots)
}

fn load_client_cert(
    cert: &Path,
    key: &Path,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), Error> {
    let cert_error = |reason: String| Error::ClientCert {
        what: "certificate",
        path: cert.to_owned(),
        reason,
    };
    let certs = CertificateDer::pem_file_iter(cert)
        .map_err(|e| cert_error(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| cert_error(e.to_string()))?;
    if certs.is_empty() {
        return Err(cert_error("no CERTIFICATE block found".to_owned()));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| Error::ClientCert {
        what: "key",
        path: key.to_owned(),
        reason: e.to_string(),
    })?;
    Ok((certs, key))
}

/// `verify-ca`: the full WebPKI check, except that a certificate valid for another name is
/// accepted. Only the two name-mismatch errors are forgiven; rustls checks the chain (and
/// validity period and key usage) before the name, so an untrusted or expired certificate
/// still fails here with its own error.
#[derive(Debug)]
struct ChainOnlyVerifier {
    inner: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for ChainOnlyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
