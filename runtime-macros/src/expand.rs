//! Code generation: the function the attribute turns an `async fn` into.

use crate::args::{self, Config, Flavor, Kind};
use crate::item;
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{ItemFn, ReturnType, Type};

/// Expands `#[runtime::main(args)]` or `#[runtime::test(args)]` on `item`.
///
/// On bad input it returns the errors together with a stand-in function
/// (same name, no body), so the only errors the user sees are ours.
pub(crate) fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(_) => {
            let msg = format!("{} can only be used on an `async fn`", kind.attr());
            let error = syn::Error::new_spanned(&item, msg).to_compile_error();
            return quote! { #error #item };
        }
    };
    let config = args::parse(kind, args);
    let checked = item::check(kind, &func);
    match (config, checked) {
        (Ok(config), Ok(())) => match kind {
            Kind::Main => main(&config, func),
            Kind::Test => test(&config, func),
        },
        (Err(mut e), Err(more)) => {
            e.combine(more);
            failed(kind, e, func)
        }
        (Err(e), Ok(())) | (Ok(_), Err(e)) => failed(kind, e, func),
    }
}

/// The errors, plus the function with its body replaced, so the compiler
/// does not add "`main` function not found" or async-main errors of its own.
fn failed(kind: Kind, error: syn::Error, mut func: ItemFn) -> TokenStream {
    let error = error.to_compile_error();
    func.sig.asyncness = None;
    if kind == Kind::Main && func.sig.ident == "main" {
        func.sig.inputs.clear();
        func.sig.variadic = None;
        func.sig.generics = syn::Generics::default();
    }
    *func.block = syn::parse_quote!({ ::core::unreachable!() });
    quote! {
        #error
        #[allow(dead_code, unused_variables)]
        #func
    }
}

/// `let rt = Builder::new_...().worker_threads(n).thread_name(s).build()...;`
fn build_runtime(kind: Kind, config: &Config, rt: &syn::Ident) -> TokenStream {
    let krate = &config.krate;
    let constructor = match config.flavor {
        Flavor::MultiThread => quote!(new_multi_thread),
        Flavor::CurrentThread => quote!(new_current_thread),
    };
    let workers = config.worker_threads.map(|n| quote!(.worker_threads(#n)));
    let name = config
        .thread_name
        .as_ref()
        .map(|s| quote!(.thread_name(#s)));
    let msg = format!("{}: could not start the runtime: {{}}", kind.attr());
    quote_spanned! {Span::mixed_site()=>
        let #rt = #krate::Builder::#constructor()
            #workers
            #name
            .build()
            .unwrap_or_else(|err| ::core::panic!(#msg, err));
    }
}

/// Runs the function's body on a fresh runtime: builds it, then
/// `block_on(async move { body })`; the body's value is the result.
fn run_body(kind: Kind, config: &Config, func: &ItemFn) -> TokenStream {
    let block = &func.block;
    let body = syn::Ident::new("body", Span::mixed_site());
    let rt = syn::Ident::new("rt", Span::mixed_site());
    let build = build_runtime(kind, config, &rt);
    // Type errors about the body's value point at its last statement.
    let tail = block
        .stmts
        .last()
        .map_or_else(|| block.span(), Spanned::span);
    let tail = Span::mixed_site().located_at(tail);
    let async_block = quote_spanned!(block.span()=> async move #block);
    let (rt_at_tail, body_at_tail) = (located(&rt, tail), located(&body, tail));
    let run = quote_spanned!(tail=> #rt_at_tail.block_on(#body_at_tail));
    let krate = &config.krate;
    let pause = config.start_paused.then(|| {
        quote_spanned! {Span::mixed_site()=>
            let #body = async move {
                #krate::time::pause();
                #body.await
            };
        }
    });
    quote_spanned! {Span::mixed_site()=>
        let #body = #async_block;
        #pause
        #build
        #run
    }
}

/// `ident`, resolved as before but reported at `span`'s location.
fn located(ident: &syn::Ident, span: Span) -> syn::Ident {
    syn::Ident::new(&ident.to_string(), ident.span().located_at(span))
}

fn main(config: &Config, mut func: ItemFn) -> TokenStream {
    let run = run_body(Kind::Main, config, &func);
    func.sig.asyncness = None;
    replace_body(&mut func, run);
    func.into_token_stream()
}

fn test(config: &Config, mut func: ItemFn) -> TokenStream {
    func.sig.asyncness = None;
    let body = match &config.timeout {
        None => run_body(Kind::Test, config, &func),
        Some(timeout) => {
            let body = with_watchdog(config, &func, timeout);
            if returns_value(&func.sig.output) {
                func.sig.output = syn::parse_quote!(-> ::std::process::ExitCode);
            }
            body
        }
    };
    replace_body(&mut func, body);
    quote! {
        #[::core::prelude::v1::test]
        #func
    }
}

/// Makes `body` the function's body. The function's attributes stay as
/// they are: outer ones before it, inner ones (`#![allow(...)]` at the top
/// of the body) inside it.
fn replace_body(func: &mut ItemFn, body: TokenStream) {
    func.block.stmts = vec![syn::Stmt::Expr(syn::Expr::Verbatim(body), None)];
}

/// Whether the function declares a return type other than `()`.
fn returns_value(output: &ReturnType) -> bool {
    match output {
        ReturnType::Default => false,
        ReturnType::Type(_, ty) => !matches!(&**ty, Type::Tuple(t) if t.elems.is_empty()),
    }
}

/// The test body with a timeout: the runtime runs on its own thread, named
/// like the test's, and the test's thread waits for it at most `timeout`.
///
/// A panic in the body is caught there and re-raised here with its payload,
/// so `#[should_panic(expected = ...)]` sees it. A body that returns a value
/// (`Result<(), E>`) is turned into an `ExitCode` on the runtime's thread
/// through `Termination::report`, which prints the error: `E` need not be
/// `Send`. On a timeout the runtime's thread is left behind; it does not keep
/// the test process alive.
fn with_watchdog(config: &Config, func: &ItemFn, timeout: &args::Timeout) -> TokenStream {
    let run = run_body(Kind::Test, config, func);
    let report = if returns_value(&func.sig.output) {
        quote_spanned!(Span::mixed_site()=> ::std::process::Termination::report(output))
    } else {
        quote_spanned!(Span::mixed_site()=> output)
    };
    // The declared type guides inference inside the body (`?`, `Ok(())`);
    // `report` alone would leave the error type open.
    let output_ty = match &func.sig.output {
        ReturnType::Type(_, ty) if !matches!(&**ty, Type::ImplTrait(_)) => quote!(: #ty),
        _ => TokenStream::new(),
    };
    let name = func.sig.ident.to_string();
    let millis = timeout.millis;
    let text = &timeout.text;
    let timed_out = format!("test `{name}` timed out after {text}");
    let lost = format!("test `{name}`: its runtime thread stopped without a result");
    let spawn_failed = "#[runtime::test]: could not start the test's runtime thread: {}";
    quote_spanned! {Span::mixed_site()=>
        let (tx, rx) = ::std::sync::mpsc::channel();
        let thread_name = ::std::thread::current()
            .name()
            .unwrap_or(#name)
            .to_owned();
        ::std::thread::Builder::new()
            .name(thread_name)
            .spawn(move || {
                let outcome = ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| {
                    let output #output_ty = { #run };
                    #report
                }));
                let _ = tx.send(outcome);
            })
            .unwrap_or_else(|err| ::core::panic!(#spawn_failed, err));
        match rx.recv_timeout(::core::time::Duration::from_millis(#millis)) {
            ::core::result::Result::Ok(::core::result::Result::Ok(output)) => output,
            ::core::result::Result::Ok(::core::result::Result::Err(payload)) => {
                ::std::panic::resume_unwind(payload)
            }
            ::core::result::Result::Err(::std::sync::mpsc::RecvTimeoutError::Timeout) => {
                ::core::panic!("{}", #timed_out)
            }
            ::core::result::Result::Err(::std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                ::core::panic!("{}", #lost)
            }
        }
    }
}
