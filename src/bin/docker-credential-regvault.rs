//! `docker-credential-regvault`: the vault as a Docker credential helper
//! (`"credHelpers": {"HOST": "regvault"}`); see `regvault::credhelper`.

fn main() {
    std::process::exit(regvault::credhelper::main());
}
