//! Parsing the attribute's options: `#[runtime::main(flavor = "...", ...)]`.

use proc_macro2::Span;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Lit, LitStr, Meta, MetaNameValue, Path, Token};

/// Which macro is being expanded; decides the defaults and the valid options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Main,
    Test,
}

impl Kind {
    /// The attribute as the user writes it, for messages.
    pub(crate) fn attr(self) -> &'static str {
        match self {
            Kind::Main => "#[runtime::main]",
            Kind::Test => "#[runtime::test]",
        }
    }

    fn valid_options(self) -> &'static str {
        match self {
            Kind::Main => "`flavor`, `worker_threads`, `thread_name`, `crate`",
            Kind::Test => {
                "`flavor`, `worker_threads`, `thread_name`, `timeout`, `start_paused`, `crate`"
            }
        }
    }
}

/// The runtime flavor to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    MultiThread,
    CurrentThread,
}

/// A `timeout = "..."` value: the duration and the text the user wrote.
#[derive(Debug, Clone)]
pub(crate) struct Timeout {
    pub(crate) millis: u64,
    /// The value as written (`"300ms"`), used in the failure message.
    pub(crate) text: String,
}

/// Everything the options decide.
pub(crate) struct Config {
    pub(crate) flavor: Flavor,
    pub(crate) worker_threads: Option<usize>,
    pub(crate) thread_name: Option<LitStr>,
    pub(crate) timeout: Option<Timeout>,
    /// `start_paused = true`: the test clock is paused before the body runs.
    pub(crate) start_paused: bool,
    /// Path of the `runtime` crate (default `::runtime`).
    pub(crate) krate: Path,
}

/// Options as written, before defaults and cross-checks.
#[derive(Default)]
struct Raw {
    flavor: Option<(Flavor, Span)>,
    worker_threads: Option<(usize, Span)>,
    thread_name: Option<LitStr>,
    timeout: Option<Timeout>,
    start_paused: Option<(bool, Span)>,
    krate: Option<Path>,
    seen: Vec<String>,
}

/// Parses the attribute's arguments for `kind`, collecting every error.
pub(crate) fn parse(kind: Kind, args: proc_macro2::TokenStream) -> syn::Result<Config> {
    let metas = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args)?;
    let mut raw = Raw::default();
    let mut errors: Option<syn::Error> = None;
    for meta in metas {
        if let Err(e) = raw.option(kind, meta) {
            push(&mut errors, e);
        }
    }
    let flavor = match (raw.flavor, kind) {
        (Some((flavor, _)), _) => flavor,
        // Asking for worker threads asks for the multi-thread runtime.
        (None, Kind::Test) if raw.worker_threads.is_some() => Flavor::MultiThread,
        (None, Kind::Main) => Flavor::MultiThread,
        (None, Kind::Test) => Flavor::CurrentThread,
    };
    if let (Flavor::CurrentThread, Some((_, span))) = (flavor, raw.worker_threads) {
        push(
            &mut errors,
            syn::Error::new(
                span,
                "`worker_threads` needs the multi-thread runtime, but `flavor = \"current_thread\"` \
                 runs every task on one thread; remove `worker_threads` or use \
                 `flavor = \"multi_thread\"`",
            ),
        );
    }
    if let (Flavor::MultiThread, Some((true, span))) = (flavor, raw.start_paused) {
        push(
            &mut errors,
            syn::Error::new(
                span,
                "`start_paused` needs the current-thread runtime: the test clock works on \
                 `flavor = \"current_thread\"` only, the default of #[runtime::test]; remove \
                 `flavor = \"multi_thread\"` and `worker_threads`, or `start_paused`",
            ),
        );
    }
    if let Some(e) = errors {
        return Err(e);
    }
    Ok(Config {
        flavor,
        worker_threads: raw.worker_threads.map(|(n, _)| n),
        thread_name: raw.thread_name,
        timeout: raw.timeout,
        start_paused: raw.start_paused.is_some_and(|(paused, _)| paused),
        krate: raw.krate.unwrap_or_else(|| syn::parse_quote!(::runtime)),
    })
}

fn push(errors: &mut Option<syn::Error>, e: syn::Error) {
    match errors {
        Some(all) => all.combine(e),
        None => *errors = Some(e),
    }
}

impl Raw {
    fn option(&mut self, kind: Kind, meta: Meta) -> syn::Result<()> {
        let name = meta
            .path()
            .get_ident()
            .map_or_else(|| path_text(meta.path()), ToString::to_string);
        let known = matches!(
            name.as_str(),
            "flavor" | "worker_threads" | "thread_name" | "crate"
        ) || ((name == "timeout" || name == "start_paused") && kind == Kind::Test);
        if !known {
            let msg = if name == "timeout" || name == "start_paused" {
                format!(
                    "`{name}` is only supported by #[runtime::test]; valid options for {} are {}",
                    kind.attr(),
                    kind.valid_options()
                )
            } else {
                format!(
                    "unknown option `{name}` for {}; valid options are {}",
                    kind.attr(),
                    kind.valid_options()
                )
            };
            return Err(syn::Error::new_spanned(meta.path(), msg));
        }
        let nv = match meta {
            Meta::NameValue(nv) => nv,
            other => {
                return Err(syn::Error::new_spanned(
                    &other,
                    format!("expected `{name} = ...`, e.g. {}", example(&name)),
                ))
            }
        };
        if self.seen.contains(&name) {
            return Err(syn::Error::new_spanned(
                &nv,
                format!("`{name}` is set more than once"),
            ));
        }
        self.seen.push(name.clone());
        match name.as_str() {
            "flavor" => self.flavor = Some((flavor(&nv)?, nv.span())),
            "worker_threads" => self.worker_threads = Some((worker_threads(&nv)?, nv.span())),
            "thread_name" => self.thread_name = Some(string(&nv, &name)?),
            "timeout" => self.timeout = Some(timeout(&nv)?),
            "start_paused" => self.start_paused = Some((boolean(&nv, &name)?, nv.span())),
            _ => self.krate = Some(krate(&nv)?),
        }
        Ok(())
    }
}

fn path_text(path: &Path) -> String {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    segments.join("::")
}

fn example(name: &str) -> &'static str {
    match name {
        "flavor" => "`flavor = \"multi_thread\"` or `flavor = \"current_thread\"`",
        "worker_threads" => "`worker_threads = 4`",
        "thread_name" => "`thread_name = \"my-app\"`",
        "timeout" => "`timeout = \"10s\"`",
        "start_paused" => "`start_paused = true`",
        _ => "`crate = \"my_crate::runtime\"`",
    }
}

fn string(nv: &MetaNameValue, name: &str) -> syn::Result<LitStr> {
    match &nv.value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Ok(s.clone()),
        other => Err(syn::Error::new_spanned(
            other,
            format!("`{name}` takes a string, e.g. {}", example(name)),
        )),
    }
}

fn boolean(nv: &MetaNameValue, name: &str) -> syn::Result<bool> {
    match &nv.value {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        }) => Ok(b.value),
        other => Err(syn::Error::new_spanned(
            other,
            format!("`{name}` takes `true` or `false`, e.g. {}", example(name)),
        )),
    }
}

fn flavor(nv: &MetaNameValue) -> syn::Result<Flavor> {
    let lit = string(nv, "flavor")?;
    match lit.value().as_str() {
        "multi_thread" => Ok(Flavor::MultiThread),
        "current_thread" => Ok(Flavor::CurrentThread),
        other => Err(syn::Error::new_spanned(
            &lit,
            format!(
                "unknown runtime flavor `{other}`; expected `\"multi_thread\"` or `\"current_thread\"`"
            ),
        )),
    }
}

fn worker_threads(nv: &MetaNameValue) -> syn::Result<usize> {
    let bad = |tokens: &dyn quote::ToTokens| {
        syn::Error::new_spanned(
            tokens,
            "`worker_threads` takes a positive integer, e.g. `worker_threads = 4`",
        )
    };
    let int = match &nv.value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => i,
        other => return Err(bad(other)),
    };
    let n: usize = int.base10_parse().map_err(|_| bad(int))?;
    if n == 0 {
        return Err(syn::Error::new_spanned(
            int,
            "`worker_threads` must be at least 1, got 0",
        ));
    }
    Ok(n)
}

fn timeout(nv: &MetaNameValue) -> syn::Result<Timeout> {
    let lit = string(nv, "timeout")?;
    let text = lit.value();
    let trimmed = text.trim();
    let bad = || {
        syn::Error::new_spanned(
            &lit,
            format!(
                "invalid timeout `{text}`: expected a whole number followed by `ms`, `s` or `m`, \
                 e.g. `timeout = \"500ms\"`, `\"10s\"` or `\"2m\"`"
            ),
        )
    };
    let (digits, per_unit) = if let Some(d) = trimmed.strip_suffix("ms") {
        (d, 1)
    } else if let Some(d) = trimmed.strip_suffix('s') {
        (d, 1_000)
    } else if let Some(d) = trimmed.strip_suffix('m') {
        (d, 60_000)
    } else {
        return Err(bad());
    };
    let digits = digits.trim_end();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let millis = digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(per_unit))
        .ok_or_else(|| syn::Error::new_spanned(&lit, format!("timeout `{text}` is too large")))?;
    if millis == 0 {
        return Err(syn::Error::new_spanned(
            &lit,
            "the timeout must be greater than zero",
        ));
    }
    Ok(Timeout {
        millis,
        text: trimmed.to_owned(),
    })
}

fn krate(nv: &MetaNameValue) -> syn::Result<Path> {
    match &nv.value {
        Expr::Path(p) if p.qself.is_none() && p.attrs.is_empty() => Ok(p.path.clone()),
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => s.parse::<Path>().map_err(|_| {
            syn::Error::new_spanned(
                s,
                format!(
                    "`crate` takes the path of the runtime crate, e.g. {}; `{}` is not a path",
                    example("crate"),
                    s.value()
                ),
            )
        }),
        other => Err(syn::Error::new_spanned(
            other,
            format!(
                "`crate` takes the path of the runtime crate, e.g. {}",
                example("crate")
            ),
        )),
    }
}
