//! `#[view]`, re-exported as `kubequery_table_sdk::view`: see its documentation there.
//!
//! The attribute writes the serde attributes every Kubernetes view needs, so that table
//! authors write only the fields they read:
//!
//! - `#[derive(Deserialize, Default)]` and `#[serde(rename_all = "camelCase")]` on the struct
//!   (a `rename_all` of the author's own wins);
//! - `#[serde(borrow)]` on every field whose type has a lifetime, so strings and sub-documents
//!   are borrowed from the page instead of copied;
//! - `#[serde(default, deserialize_with = "nullable")]` on every field that is not an
//!   `Option`, because the API server writes `null` for a nil slice, map or struct where
//!   Go's field lacks `omitempty`, and a missing field is as common;
//! - on `Cow<str>` and `Option<Cow<str>>` fields, readers that borrow the string from the page
//!   (serde's own `Cow` impl always copies it).
//!
//! An attribute the author wrote on a field (`rename`, `borrow`, `default`, `deserialize_with`)
//! is kept and never duplicated. A public field without documentation is documented with the
//! JSON field it reads.

use proc_macro::TokenStream;
use proc_macro2::TokenTree;
use quote::quote;
use syn::ext::IdentExt;
use syn::{Attribute, Data, DeriveInput, Fields, GenericArgument, PathArguments, Type, Visibility, parse_macro_input};

/// Turns a struct into a borrowing serde view of Kubernetes JSON; see the crate documentation.
#[proc_macro_attribute]
pub fn view(args: TokenStream, item: TokenStream) -> TokenStream {
    if !args.is_empty() {
        let args = proc_macro2::TokenStream::from(args);
        return syn::Error::new_spanned(args, "#[view] takes no arguments").to_compile_error().into();
    }
    let mut input = parse_macro_input!(item as DeriveInput);
    match expand(&mut input) {
        Ok(()) => quote!(#input).into(),
        Err(error) => error.to_compile_error().into(),
    }
}

fn expand(input: &mut DeriveInput) -> syn::Result<()> {
    let Data::Struct(data) = &mut input.data else {
        return Err(syn::Error::new_spanned(&input.ident, "#[view] applies to structs with named fields"));
    };
    let Fields::Named(fields) = &mut data.fields else {
        return Err(syn::Error::new_spanned(&input.ident, "#[view] applies to structs with named fields"));
    };
    let rename_all = serde_keys(&input.attrs).iter().any(|k| k == "rename_all");
    for field in &mut fields.named {
        let written = serde_keys(&field.attrs);
        let documented = field.attrs.iter().any(|a| a.path().is_ident("doc"));
        if matches!(field.vis, Visibility::Public(_)) && !documented {
            let ident = field.ident.as_ref().map(|i| i.unraw().to_string()).unwrap_or_default();
            let json = serde_string(&field.attrs, "rename")
                .unwrap_or_else(|| if rename_all { ident.clone() } else { camel_case(&ident) });
            let doc = format!(" `{json}` in the object's JSON.");
            field.attrs.insert(0, syn::parse_quote!(#[doc = #doc]));
        }
        if has_lifetime(&field.ty) && !written.iter().any(|k| k == "borrow") {
            field.attrs.push(syn::parse_quote!(#[serde(borrow)]));
        }
        if written.iter().any(|k| k == "default" || k == "deserialize_with") {
            continue;
        }
        let reader = match option_of(&field.ty) {
            Some(inner) if is_cow_str(inner) => "::kubequery_table_sdk::json::optional_str",
            Some(_) => continue,
            None if is_cow_str(&field.ty) => "::kubequery_table_sdk::json::str_or_empty",
            None => "::kubequery_table_sdk::json::nullable",
        };
        field.attrs.push(syn::parse_quote!(#[serde(default, deserialize_with = #reader)]));
    }
    let mut attrs: Vec<Attribute> = vec![
        syn::parse_quote!(#[derive(::kubequery_table_sdk::serde::Deserialize, ::core::default::Default)]),
        syn::parse_quote!(#[serde(crate = "::kubequery_table_sdk::serde")]),
    ];
    if !rename_all {
        attrs.push(syn::parse_quote!(#[serde(rename_all = "camelCase")]));
    }
    attrs.append(&mut input.attrs);
    input.attrs = attrs;
    Ok(())
}

/// The keys written in `#[serde(...)]` attributes, e.g. `rename`, `borrow`.
fn serde_keys(attrs: &[Attribute]) -> Vec<String> {
    let mut keys = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let Ok(list) = attr.meta.require_list() else { continue };
        // A key is an identifier at the start of the list or right after a comma.
        let mut expect_key = true;
        for token in list.tokens.clone() {
            match token {
                TokenTree::Ident(ident) if expect_key => {
                    keys.push(ident.to_string());
                    expect_key = false;
                }
                TokenTree::Punct(p) if p.as_char() == ',' => expect_key = true,
                _ => {}
            }
        }
    }
    keys
}

/// The string value of `key = "…"` in the `#[serde(...)]` attributes, e.g. `rename`.
fn serde_string(attrs: &[Attribute], key: &str) -> Option<String> {
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let Ok(list) = attr.meta.require_list() else { continue };
        let tokens: Vec<TokenTree> = list.tokens.clone().into_iter().collect();
        for window in tokens.windows(3) {
            if let [TokenTree::Ident(name), TokenTree::Punct(eq), TokenTree::Literal(value)] = window
                && name == key
                && eq.as_char() == '='
                && let Ok(syn::Lit::Str(value)) = syn::parse_str::<syn::Lit>(&value.to_string())
            {
                return Some(value.value());
            }
        }
    }
    None
}

/// serde's `camelCase` of a snake_case field name: `host_ip` → `hostIp`.
fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether a lifetime appears anywhere in the type (`Cow<'a, str>`, `Vec<&'a RawValue>`).
fn has_lifetime(ty: &Type) -> bool {
    fn walk(tokens: proc_macro2::TokenStream) -> bool {
        for token in tokens {
            match token {
                TokenTree::Punct(p) if p.as_char() == '\'' => return true,
                TokenTree::Group(group) if walk(group.stream()) => return true,
                _ => {}
            }
        }
        false
    }
    walk(quote!(#ty))
}

/// The `T` of `Option<T>`, a type serde already reads as `None` when missing or null.
fn option_of(ty: &Type) -> Option<&Type> {
    match generic_args(ty, "Option")?.first()? {
        GenericArgument::Type(inner) => Some(inner),
        _ => None,
    }
}

/// Whether the type is `Cow<'_, str>`.
fn is_cow_str(ty: &Type) -> bool {
    generic_args(ty, "Cow")
        .is_some_and(|args| matches!(args.last(), Some(GenericArgument::Type(Type::Path(p))) if p.path.is_ident("str")))
}

/// The generic arguments of a type named `name` (the last segment of its path).
fn generic_args<'t>(ty: &'t Type, name: &str) -> Option<Vec<&'t GenericArgument>> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last().filter(|s| path.qself.is_none() && s.ident == name)?;
    match &last.arguments {
        PathArguments::AngleBracketed(args) => Some(args.args.iter().collect()),
        _ => None,
    }
}
