//! A Python virtualenv a test needs (a real SMTP server, aiosmtpd), built
//! from hash-pinned requirements under the target directory on first use
//! and rebuilt when the requirements change. Shared by the correspondence
//! crate's mail tests and the API's email tests (`#[path]`), which use the
//! same venv. It fails, naming what to install, rather than skipping.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The venv `name`'s python, with `requirements` installed.
pub fn python(name: &str, requirements: &Path) -> PathBuf {
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let wanted = std::fs::read_to_string(requirements).unwrap();
    let stamp = venv.join("installed-requirements.txt");
    let python = venv.join("bin/python");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) && python.exists() {
        return python;
    }
    let _ = std::fs::remove_dir_all(&venv);
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run python3 ({e}): install Debian's python3 and python3-venv")
        });
    assert!(
        made.status.success(),
        "python3 -m venv failed (install Debian's python3-venv): {}",
        String::from_utf8_lossy(&made.stderr)
    );
    let pip = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(["--require-hashes", "-r"])
        .arg(requirements)
        .output()
        .unwrap();
    assert!(
        pip.status.success(),
        "pip install -r {} failed (PyPI must be reachable): {}",
        requirements.display(),
        String::from_utf8_lossy(&pip.stderr)
    );
    std::fs::write(&stamp, wanted).unwrap();
    python
}
