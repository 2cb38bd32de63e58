//! Attachments in S3-compatible storage, against a real S3 server: moto's
//! `moto_server`, installed from PyPI into a virtualenv this test creates
//! on first use (pinned with hashes: tests/fixtures/moto-requirements.txt).
//! Upload → the object is in the bucket under its hash → the download
//! gives the same bytes. The test fails, naming what to install, when it
//! cannot start the server: it never skips.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use redress_api::config::{AttachmentSettings, ObjectStoreLocation, S3Settings};
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::helpers::*;

const BUCKET: &str = "redress-attachments";
const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

/// Kills the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run(what: &str, command: &mut Command) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: could not run ({e}); install python3 with venv (apt-get install python3 python3-venv)"));
    assert!(
        output.status.success(),
        "{what} failed; the S3 test needs python3 with venv and pip reaching PyPI for moto[server] \
         (tests/fixtures/moto-requirements.txt):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The Python of a virtualenv under the target directory that has
/// `moto[server]`, installed on first use (and again when the pins change).
/// Run as `python -m moto.server`: the venv is built under another name and
/// renamed into place, which breaks its scripts' shebangs, not its Python.
fn moto_python() -> PathBuf {
    let requirements = fixture("moto-requirements.txt");
    let pins = std::fs::read(&requirements).expect("tests/fixtures/moto-requirements.txt");
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "moto-venv-{}",
        &hex::encode(Sha256::digest(&pins))[..12]
    ));
    let python = venv.join("bin").join("python");
    if venv.join("bin").join("moto_server").exists() {
        return python;
    }
    let building = venv.with_extension(format!("building-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&building);
    run(
        "python3 -m venv",
        Command::new("python3").arg("-m").arg("venv").arg(&building),
    );
    run(
        "pip install moto[server]",
        Command::new(building.join("bin").join("pip"))
            .args([
                "install",
                "-q",
                "--require-hashes",
                "--only-binary",
                ":all:",
                "-r",
            ])
            .arg(&requirements),
    );
    // Another test process may have finished first: theirs is as good.
    if std::fs::rename(&building, &venv).is_err() {
        let _ = std::fs::remove_dir_all(&building);
    }
    assert!(
        venv.join("bin").join("moto_server").exists(),
        "moto_server missing from {}",
        venv.display()
    );
    python
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn start_moto(client: &reqwest::Client) -> (Server, String, PathBuf) {
    let python = tokio::task::spawn_blocking(moto_python)
        .await
        .expect("installing moto");
    let port = free_port();
    let child = Command::new(&python)
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting moto.server with {}: {e}", python.display()));
    let server = Server(child);
    let endpoint = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if client.get(&endpoint).send().await.is_ok() {
            return (server, endpoint, python);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("moto_server did not answer on {endpoint} within 20 s");
}

#[tokio::test]
async fn attachments_in_s3_compatible_storage() {
    let client = reqwest::Client::new();
    let (_server, endpoint, python) = start_moto(&client).await;
    let created = client
        .put(format!("{endpoint}/{BUCKET}"))
        .send()
        .await
        .expect("create bucket");
    assert!(created.status().is_success(), "{}", created.status());

    let store = S3Settings {
        url: format!("s3://{BUCKET}/redress"),
        endpoint: Some(endpoint.clone()),
        region: Some("us-east-1".into()),
        access_key_id: Some("testing".into()),
        secret_access_key: Some("testing".to_owned().into()),
    };
    let app = TestApp::spawn_with(move |s| {
        s.attachments = AttachmentSettings {
            store: ObjectStoreLocation::S3(store),
            ..AttachmentSettings::in_dir(PathBuf::new())
        }
    })
    .await;
    app.create_facility("MAIN").await;
    let c = app.open_complaint().await;
    let id = c["id"].as_str().unwrap();
    let response = app
        .client
        .post(app.url(&format!(
            "/complaints/{id}/attachments?kind=INCOMING_CORRESPONDENCE"
        )))
        .bearer_auth(specialist())
        .header("Content-Disposition", "attachment; filename=\"letter.pdf\"")
        .body(PDF.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let attachment: Value = response.json().await.unwrap();
    let hash = hex::encode(Sha256::digest(PDF));
    assert_eq!(attachment["sha256"], hash);

    // In the bucket, under the prefix, by its hash: read with another S3
    // client (boto3, from the same virtualenv).
    let listing = Command::new(&python)
        .args([
            "-c",
            concat!(
                "import boto3, hashlib, sys\n",
                "s3 = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1', ",
                "aws_access_key_id='testing', aws_secret_access_key='testing')\n",
                "keys = [o['Key'] for o in s3.list_objects_v2(Bucket=sys.argv[2])['Contents']]\n",
                "print(*[k + ' ' + hashlib.sha256(s3.get_object(Bucket=sys.argv[2], Key=k)",
                "['Body'].read()).hexdigest() for k in keys], sep='\\n')\n",
            ),
            &endpoint,
            BUCKET,
        ])
        .output()
        .expect("boto3 runs");
    assert!(
        listing.status.success(),
        "{}",
        String::from_utf8_lossy(&listing.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&listing.stdout).trim(),
        format!("redress/sha256/{hash} {hash}")
    );

    let download = app
        .client
        .get(app.url(attachment["downloadPath"].as_str().unwrap()))
        .bearer_auth(compliance())
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.headers()["content-type"], "application/pdf");
    assert_eq!(download.bytes().await.unwrap().as_ref(), PDF);
}
