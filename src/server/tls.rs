//! HTTPS: the rustls server configuration, from the user's PEM files or from a local CA made at
//! start (`--tls auto`). TLS 1.2 and 1.3 (rustls' safe defaults, with ring), ALPN `http/1.1`.
//! A bad certificate, a key that does not match it, or an unreadable file stops start-up with
//! the file and the reason.

use std::path::Path;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;

use crate::base::error::Error;
use crate::data::config::Tls;

/// What serving HTTPS needs: the acceptor, and the local CA's PEM when the mock made one.
#[derive(Clone)]
pub(crate) struct Https {
    pub(crate) acceptor: TlsAcceptor,
    pub(crate) ca_pem: Option<String>,
}

impl std::fmt::Debug for Https {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Https")
            .field("ca_pem", &self.ca_pem.is_some())
            .finish_non_exhaustive()
    }
}

/// Builds the HTTPS side of a server bound to `host`.
///
/// # Errors
/// [`Error::Config`] naming the file and the reason.
pub(crate) fn configure(tls: &Tls, host: &str) -> Result<Https, Error> {
    let (chain, key, ca_pem) = match tls {
        Tls::Files { cert, key } => (read_chain(cert)?, read_key(key)?, None),
        Tls::Auto { ca_out } => {
            let (chain, key, ca_pem) = local_ca(host)?;
            if let Some(path) = ca_out {
                std::fs::write(path, &ca_pem).map_err(|err| {
                    Error::Config(format!(
                        "--tls-ca-out {}: cannot be written: {err}",
                        path.display()
                    ))
                })?;
            }
            (chain, key, Some(ca_pem))
        }
    };
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS: {e}")))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| {
            let which = match tls {
                Tls::Files { cert, key } => {
                    format!("{} and {}", cert.display(), key.display())
                }
                Tls::Auto { .. } => "the generated certificate".to_string(),
            };
            Error::Config(format!("{which}: not a usable certificate and key: {e}"))
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Https {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        ca_pem,
    })
}

fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, Error> {
    let shown = path.display();
    let bytes = crate::base::files::read_regular(path)
        .map_err(|e| Error::Config(format!("--tls-cert {shown}: cannot read the file: {e}")))?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<_, _>>()
        .map_err(|e| Error::Config(format!("--tls-cert {shown}: not PEM certificates: {e}")))?;
    if chain.is_empty() {
        return Err(Error::Config(format!(
            "--tls-cert {shown}: no certificate in the file (expected -----BEGIN CERTIFICATE-----)"
        )));
    }
    Ok(chain)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, Error> {
    let shown = path.display();
    let bytes = crate::base::files::read_regular(path)
        .map_err(|e| Error::Config(format!("--tls-key {shown}: cannot read the file: {e}")))?;
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| {
        Error::Config(format!(
            "--tls-key {shown}: no private key in the file (PKCS#8, PKCS#1 or SEC1 PEM): {e}"
        ))
    })
}

/// A CA made now, and a leaf it signs for `localhost`, `127.0.0.1`, `::1` and `host`.
fn local_ca(
    host: &str,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>, String), Error> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    let failed = |e: rcgen::Error| Error::Config(format!("--tls auto: {e}"));
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(failed)?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "livechat-mock local CA");
    ca.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
    ];
    let ca_key = KeyPair::generate().map_err(failed)?;
    let ca_cert = ca.self_signed(&ca_key).map_err(failed)?;
    let issuer = Issuer::new(ca, ca_key);

    let mut names = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if !host.is_empty() && !names.iter().any(|n| n == host) && host != "0.0.0.0" && host != "::" {
        names.push(host.to_string());
    }
    let mut leaf = CertificateParams::new(names).map_err(failed)?;
    leaf.distinguished_name
        .push(DnType::CommonName, "livechat-mock");
    leaf.use_authority_key_identifier_extension = true;
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_key = KeyPair::generate().map_err(failed)?;
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).map_err(failed)?;
    let key = PrivateKeyDer::try_from(leaf_key.serialize_der())
        .map_err(|e| Error::Config(format!("--tls auto: {e}")))?;
    Ok((
        vec![leaf_cert.der().clone(), ca_cert.der().clone()],
        key,
        ca_cert.pem(),
    ))
}
