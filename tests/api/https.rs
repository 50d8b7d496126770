//! HTTPS (issue 23): `--tls auto` makes a local CA a client can trust; `--tls-cert/--tls-key`
//! take the user's; a plain-HTTP request to the HTTPS port is closed; bad files stop start-up.

use std::sync::Arc;

use livechat_mock::MockServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::rustls;

use crate::helpers::*;

/// One request over TLS, trusting `ca_pem`: everything the server sends back.
async fn https_get(server: &MockServer, ca_pem: &str, path: &str, headers: &str) -> String {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls::pki_types::CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(server.address()).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await.unwrap();
    tls.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n{headers}Connection: close\r\n\r\n")
            .as_bytes(),
    )
    .await
    .unwrap();
    let mut out = Vec::new();
    let _ = tls.read_to_end(&mut out).await;
    String::from_utf8_lossy(&out).into_owned()
}

use rustls::pki_types::pem::PemObject;

#[tokio::test]
async fn tls_auto_serves_https_with_a_ca_the_client_can_trust() {
    let server = MockServer::builder()
        .port(0)
        .tls_auto()
        .start()
        .await
        .unwrap();
    assert!(
        server.uri().starts_with("https://127.0.0.1:"),
        "{}",
        server.uri()
    );
    let ca = server.ca_pem().unwrap().to_string();
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"));
    let answer = https_get(
        &server,
        &ca,
        &format!("{PATH}?visitorId={SPEC_VISITOR}"),
        &format!("X-User-Id: {}\r\nX-Auth-Token: {}\r\n", AGENT.0, AGENT.1),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.ends_with(SPEC_VISITOR_BODY), "{answer}");
    let served = https_get(&server, &ca, "/_mock/ca.pem", "").await;
    assert!(served.ends_with(&ca), "{served}");
}

#[tokio::test]
async fn a_plain_http_request_to_the_https_port_is_closed_with_nothing_written() {
    let server = MockServer::builder()
        .port(0)
        .tls_auto()
        .start()
        .await
        .unwrap();
    let mut tcp = TcpStream::connect(server.address()).await.unwrap();
    tcp.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    let _ = tcp.read_to_end(&mut out).await; // closed (or reset): either ends the read
    assert!(out.is_empty(), "{}", String::from_utf8_lossy(&out));
    // the server still serves HTTPS
    let ca = server.ca_pem().unwrap().to_string();
    assert!(
        https_get(&server, &ca, "/_mock/health", "")
            .await
            .starts_with("HTTP/1.1 200")
    );
}

#[tokio::test]
async fn the_users_own_certificate_and_key_are_served_and_bad_files_stop_start_up() {
    let dir = TempDir::new("tls-files");
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    dir.write("cert.pem", &cert.pem());
    dir.write("key.pem", &key.serialize_pem());
    let server = MockServer::builder()
        .port(0)
        .tls_files(dir.path().join("cert.pem"), dir.path().join("key.pem"))
        .start()
        .await
        .unwrap();
    assert!(server.ca_pem().is_none());
    let answer = https_get(&server, &cert.pem(), "/_mock/health", "").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    let other = rcgen::KeyPair::generate().unwrap();
    dir.write("other.pem", &other.serialize_pem());
    dir.write("junk.pem", "not a certificate");
    for (cert, key, expected) in [
        (
            "junk.pem",
            "key.pem",
            "junk.pem: no certificate in the file",
        ),
        (
            "cert.pem",
            "missing.pem",
            "missing.pem: cannot read the file",
        ),
        ("cert.pem", "other.pem", "not a usable certificate and key"),
    ] {
        let output = binary(&[
            "--port",
            "0",
            "--tls-cert",
            dir.path().join(cert).to_str().unwrap(),
            "--tls-key",
            dir.path().join(key).to_str().unwrap(),
        ])
        .output()
        .await
        .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(expected), "{expected}: {stderr}");
    }
}
