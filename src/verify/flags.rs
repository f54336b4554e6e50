//! One way to write a newtype over a C flag integer (`X509_V_FLAG_*`,
//! `X509_CHECK_FLAG_*`): constants under OpenSSL's names, `|`, a fallible
//! way in that refuses unknown bits, an infallible way out, and a `Debug`
//! that prints the C names.

/// Defines `pub struct $name($raw)` with the constants given (each
/// `$prefix$CONST` in C), `bits`, `contains`, `is_empty`, `BitOr`,
/// `BitOrAssign`, `From<$name> for $raw`, `TryFrom<$raw>` (unknown bits are
/// [`ConfigError::UnknownFlags`](crate::ConfigError::UnknownFlags)) and a
/// `Debug` of C names. List a combined constant before its parts, so that
/// `Debug` prints it by its own name.
macro_rules! c_flags {
    (
        $(#[$meta:meta])*
        pub struct $name:ident($raw:ty), $prefix:literal;
        $( $(#[$cmeta:meta])* $konst:ident = $value:expr; )+
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name($raw);

        impl $name {
            $( $(#[$cmeta])* pub const $konst: $name = $name($value); )+

            const NAMES: &'static [(&'static str, $raw)] = &[$((stringify!($konst), $value)),+];
            const ALL: $raw = 0 $(| $value)+;

            /// The integer OpenSSL receives.
            pub const fn bits(self) -> $raw {
                self.0
            }

            /// True when no flag is set.
            pub const fn is_empty(self) -> bool {
                self.0 == 0
            }

            /// True when every bit of `other` is set in `self` and `other`
            /// is not empty.
            pub const fn contains(self, other: $name) -> bool {
                other.0 != 0 && self.0 & other.0 == other.0
            }

            /// Wraps whatever OpenSSL reports, unknown bits included.
            #[allow(dead_code)]
            pub(crate) const fn from_openssl(bits: $raw) -> $name {
                $name(bits)
            }
        }

        impl TryFrom<$raw> for $name {
            type Error = crate::error::Error;

            #[doc = concat!("Takes the integer C code stores, refusing bits that are not `", $prefix, "*` flags.")]
            fn try_from(bits: $raw) -> Result<$name, crate::error::Error> {
                let unknown = bits & !$name::ALL;
                if unknown != 0 {
                    return Err(crate::error::config_error::ConfigError::UnknownFlags {
                        kind: concat!($prefix, "*"),
                        given: u64::from(bits),
                        unknown: u64::from(unknown),
                    }
                    .into());
                }
                Ok($name(bits))
            }
        }

        impl From<$name> for $raw {
            fn from(flags: $name) -> $raw {
                flags.0
            }
        }

        impl std::ops::BitOr for $name {
            type Output = $name;

            fn bitor(self, rhs: $name) -> $name {
                $name(self.0 | rhs.0)
            }
        }

        impl std::ops::BitOrAssign for $name {
            fn bitor_assign(&mut self, rhs: $name) {
                self.0 |= rhs.0;
            }
        }

        impl std::fmt::Debug for $name {
            #[doc = concat!("The C names joined by ` | `, e.g. `", $prefix, "...`; `0` for none, unknown bits in hex.")]
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                if self.0 == 0 {
                    return f.write_str("0");
                }
                let mut shown: $raw = 0;
                let mut sep = "";
                for (name, bits) in $name::NAMES {
                    if self.0 & bits == *bits && bits & !shown != 0 {
                        write!(f, "{sep}{}{name}", $prefix)?;
                        shown |= bits;
                        sep = " | ";
                    }
                }
                let rest = self.0 & !shown;
                if rest != 0 {
                    write!(f, "{sep}{rest:#x}")?;
                }
                Ok(())
            }
        }
    };
}

pub(crate) use c_flags;
