//! A stand-in identity provider: serves a JWKS on port 0 over plain
//! HTTP/1.1, answers as the test says (the set, an error, garbage, nothing)
//! and counts the requests it receives.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::helpers::fixture;

/// How the provider answers the next requests.
#[derive(Clone, Debug)]
pub enum Reply {
    /// 200 with this JSON body and `Cache-Control` value, if any.
    Json(Value, Option<&'static str>),
    /// This status, empty body.
    Status(u16),
    /// 200 with a body that is not a key set.
    Garbage,
    /// Reads the request and never answers.
    Hang,
}

pub struct JwksServer {
    pub url: String,
    requests: Arc<AtomicUsize>,
    reply: Arc<Mutex<Reply>>,
    task: tokio::task::JoinHandle<()>,
}

impl JwksServer {
    pub async fn start(reply: Reply) -> JwksServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/keys", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let reply = Arc::new(Mutex::new(reply));
        let (count, current) = (requests.clone(), reply.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let (count, current) = (count.clone(), current.clone());
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buffer = [0u8; 1024];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buffer).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buffer[..n]),
                        }
                    }
                    count.fetch_add(1, Ordering::SeqCst);
                    let reply = current.lock().unwrap().clone();
                    let (status, headers, body) = match reply {
                        Reply::Json(value, cache) => (
                            200,
                            cache
                                .map(|c| format!("Cache-Control: {c}\r\n"))
                                .unwrap_or_default(),
                            value.to_string(),
                        ),
                        Reply::Status(status) => (status, String::new(), String::new()),
                        Reply::Garbage => (200, String::new(), "<html>sign in</html>".into()),
                        Reply::Hang => {
                            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                            return;
                        }
                    };
                    let response = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n{headers}\
                         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(response.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        JwksServer {
            url,
            requests,
            reply,
            task,
        }
    }

    pub fn set(&self, reply: Reply) {
        *self.reply.lock().unwrap() = reply;
    }

    /// Requests received so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// Stops listening: connections are refused from now on.
    pub fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A test key: its private PEM fixture, the algorithm it signs with here
/// and the JWK the provider publishes for it.
#[derive(Clone, Copy)]
pub struct TestKey {
    pub private: &'static str,
    pub kid: &'static str,
    /// The JWK's `alg`, when it states one.
    pub alg: Option<Algorithm>,
}

pub const RSA: TestKey = TestKey {
    private: "rs256-private.pem",
    kid: "rsa-1",
    alg: None,
};
pub const RSA_RS256_ONLY: TestKey = TestKey {
    private: "rs256-private.pem",
    kid: "rsa-rs256",
    alg: Some(Algorithm::RS256),
};
pub const ROTATED: TestKey = TestKey {
    private: "rs256-rotated-private.pem",
    kid: "rsa-2",
    alg: Some(Algorithm::RS256),
};
pub const EC: TestKey = TestKey {
    private: "es256-private.pem",
    kid: "ec-1",
    alg: Some(Algorithm::ES256),
};

impl TestKey {
    pub fn encoding_key(&self) -> EncodingKey {
        let pem = std::fs::read(fixture(self.private)).unwrap();
        if self.private.starts_with("es") {
            EncodingKey::from_ec_pem(&pem).unwrap()
        } else {
            EncodingKey::from_rsa_pem(&pem).unwrap()
        }
    }

    pub fn jwk(&self) -> Jwk {
        let family = if self.private.starts_with("es") {
            Algorithm::ES256
        } else {
            Algorithm::RS256
        };
        let mut jwk = Jwk::from_encoding_key(&self.encoding_key(), family).unwrap();
        jwk.common.key_algorithm = self.alg.map(|a| format!("{a:?}").parse().unwrap());
        jwk.common.key_id = Some(self.kid.to_owned());
        jwk
    }

    /// A token signed with this key, naming it (`kid`) when `named`.
    pub fn sign(&self, alg: Algorithm, named: bool, claims: &Value) -> String {
        self.sign_as(alg, named.then_some(self.kid), claims)
    }

    /// A token signed with this key, naming `kid` (perhaps another key's).
    pub fn sign_as(&self, alg: Algorithm, kid: Option<&str>, claims: &Value) -> String {
        let header = jsonwebtoken::Header {
            kid: kid.map(str::to_owned),
            ..jsonwebtoken::Header::new(alg)
        };
        jsonwebtoken::encode(&header, claims, &self.encoding_key()).unwrap()
    }
}

/// The provider's set of these keys.
pub fn key_set(keys: &[TestKey]) -> Value {
    serde_json::to_value(JwkSet {
        keys: keys.iter().map(TestKey::jwk).collect(),
    })
    .unwrap()
}
