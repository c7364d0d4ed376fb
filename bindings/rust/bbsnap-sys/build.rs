//! Finds libbbsnap through pkg-config: the installed `bbsnap.pc`, or a meson
//! build tree's `bbsnap-uninstalled.pc` (PKG_CONFIG_PATH=<build>/meson-uninstalled).
//!
//! The library is linked statically (libbbsnap.a, with the C++ standard
//! library and the dependencies `pkg-config --static` names), so a Rust
//! program needs no loader path; BBSNAP_DYNAMIC=1 links libbbsnap.so
//! instead. pkg-config links a library found under /usr dynamically
//! whatever is asked (a system library).

fn main() {
    println!("cargo:rerun-if-env-changed=BBSNAP_DYNAMIC");
    let statik = std::env::var_os("BBSNAP_DYNAMIC").map_or(true, |v| v.is_empty() || v == "0");
    let mut config = pkg_config::Config::new();
    config.statik(statik);
    // pkg-config prefers NAME-uninstalled.pc on its own; the explicit name
    // covers one run with PKG_CONFIG_DISABLE_UNINSTALLED.
    let library = config
        .probe("bbsnap")
        .or_else(|first| config.probe("bbsnap-uninstalled").map_err(|_| first));
    if let Err(error) = library {
        panic!(
            "bbsnap-sys: pkg-config did not find bbsnap: {error}\n\
             Set PKG_CONFIG_PATH to <meson build dir>/meson-uninstalled for a build tree, \
             or to <prefix>/lib/<arch>/pkgconfig for an installed bbsnap."
        );
    }
}
