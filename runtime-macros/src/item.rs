//! Checks on the annotated function: what either attribute accepts.

use crate::args::Kind;
use syn::ItemFn;

/// Every reason `func` cannot carry the `kind` attribute, combined into one
/// error (each pointing at the offending part of the signature).
pub(crate) fn check(kind: Kind, func: &ItemFn) -> Result<(), syn::Error> {
    let mut errors: Vec<syn::Error> = Vec::new();
    let sig = &func.sig;
    if sig.asyncness.is_none() {
        errors.push(syn::Error::new_spanned(
            sig.fn_token,
            "the `async` keyword is missing from the function declaration",
        ));
    }
    if !sig.inputs.is_empty() || sig.variadic.is_some() {
        let msg = match kind {
            Kind::Main => "the main function cannot accept arguments",
            Kind::Test => "test functions cannot accept arguments",
        };
        errors.push(syn::Error::new_spanned(&sig.inputs, msg));
    }
    if !sig.generics.params.is_empty() {
        errors.push(syn::Error::new_spanned(&sig.generics, generics_msg(kind)));
    } else if let Some(where_clause) = &sig.generics.where_clause {
        errors.push(syn::Error::new_spanned(where_clause, generics_msg(kind)));
    }
    if kind == Kind::Test {
        for attr in &func.attrs {
            if attr.path().is_ident("test") {
                errors.push(syn::Error::new_spanned(
                    attr,
                    "#[runtime::test] already marks the function as a test; \
                     remove this `#[test]` attribute",
                ));
            }
        }
    }
    let mut errors = errors.into_iter();
    match errors.next() {
        None => Ok(()),
        Some(mut first) => {
            first.extend(errors);
            Err(first)
        }
    }
}

fn generics_msg(kind: Kind) -> String {
    let what = match kind {
        Kind::Main => "a function",
        Kind::Test => "a test function",
    };
    format!(
        "{} cannot be used on {what} with generic parameters or a `where` clause",
        kind.attr()
    )
}
