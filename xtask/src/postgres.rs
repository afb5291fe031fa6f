//! A throwaway PostgreSQL server for the tests and the benchmarks: Debian's
//! server (`postgresql`, installed when missing, as Chromium is), a cluster made
//! with `initdb` under `target/postgres/` (or the temporary folder, where the
//! checkout is out of the `postgres` user's reach) on a free loopback port,
//! started with `pg_ctl` and stopped when the [`Postgres`] guard drops. Nothing is assumed to be
//! running already, and nothing outlives the run.
//!
//! `initdb` refuses to run as root: as root, the cluster belongs to the
//! `postgres` user and its commands run as that user (`runuser`).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;

use anyhow::Context;

use crate::setup;
use crate::util::{self, exec, output};

/// A running throwaway server.
#[derive(Debug)]
pub struct Postgres {
    bin: PathBuf,
    dir: PathBuf,
    as_postgres: bool,
    /// `postgres://postgres@127.0.0.1:PORT`: the server, without a database.
    pub url: String,
}

impl Postgres {
    /// Installs (where missing), makes and starts a fresh cluster.
    pub fn start() -> anyhow::Result<Self> {
        let bin = match server_bin() {
            Some(bin) => bin,
            None => {
                setup::apt_install(&["postgresql"])?;
                server_bin()
                    .context("no PostgreSQL server under /usr/lib/postgresql after installing it")?
            }
        };
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let as_postgres = output(Command::new("id").arg("-u")).as_deref() == Some("0");
        let mut dir = util::root().join(format!("target/postgres/{port}"));
        if as_postgres && !reachable_by_postgres(&util::root()) {
            // A checkout under a folder only root may enter (/root): the
            // `postgres` user could not reach the cluster there.
            dir = std::env::temp_dir().join(format!("receipt-relay-postgres-{port}"));
        }
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        let server = Self {
            bin,
            dir,
            as_postgres,
            url: format!("postgres://postgres@127.0.0.1:{port}"),
        };
        if as_postgres {
            exec(
                Command::new("chown")
                    .args(["-R", "postgres:postgres"])
                    .arg(&server.dir),
            )?;
        }
        exec(
            server
                .command("initdb")
                .args([
                    "--auth=trust",
                    "--username=postgres",
                    "--no-sync",
                    "--encoding=UTF8",
                ])
                .arg("-D")
                .arg(&server.dir),
        )?;
        // Durability is not what a test server needs; speed is.
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
            server.dir.display()
        );
        exec(
            server
                .command("pg_ctl")
                .arg("-D")
                .arg(&server.dir)
                .args(["-w", "-l"])
                .arg(server.dir.join("server.log"))
                .args(["-o", &options, "start"]),
        )?;
        eprintln!("postgres: {} ready", server.url);
        Ok(server)
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(path);
            cmd
        } else {
            Command::new(path)
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let stopped = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.dir)
            .args(["-m", "immediate", "stop"])
            .status();
        if !stopped.is_ok_and(|s| s.success()) {
            eprintln!(
                "postgres: could not stop the server in {}",
                self.dir.display()
            );
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether the `postgres` user can enter `dir` (and every folder above it).
fn reachable_by_postgres(dir: &std::path::Path) -> bool {
    Command::new("runuser")
        .args(["-u", "postgres", "--", "test", "-x"])
        .arg(dir)
        .status()
        .is_ok_and(|s| s.success())
}

/// The newest installed server's `bin` folder.
fn server_bin() -> Option<PathBuf> {
    let versions = std::fs::read_dir("/usr/lib/postgresql").ok()?;
    let mut found: Vec<(u32, PathBuf)> = versions
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let version = path.file_name()?.to_str()?.parse().ok()?;
            path.join("bin/initdb")
                .is_file()
                .then(|| (version, path.join("bin")))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}
