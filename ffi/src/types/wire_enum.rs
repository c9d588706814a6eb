//! Enums that travel as Mesos names (`"TASK_RUNNING"`) and carry their proto numbers.

/// Defines an enum whose JSON form is the Mesos name; input also accepts the proto number
/// and legacy aliases (such as `SOURCE_SLAVE`), as protobuf's JSON reader does.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $code:literal => $wire:literal $(| $alias:literal)*
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The Mesos name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            /// The number in Mesos's `.proto`.
            pub fn code(self) -> i32 {
                match self { $($name::$variant => $code),+ }
            }

            /// The value for a proto number.
            pub fn from_code(code: i32) -> Option<$name> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }

            /// The value for a Mesos name or legacy alias.
            pub fn from_name(name: &str) -> Option<$name> {
                match name { $($wire $(| $alias)* => Some($name::$variant),)+ _ => None }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::types::TypesError;

            fn from_str(name: &str) -> Result<$name, Self::Err> {
                $name::from_name(name).ok_or_else(|| $crate::types::TypesError::UnknownName {
                    kind: stringify!($name),
                    name: name.to_string(),
                })
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<$name, D::Error> {
                struct NameOrCode;

                impl<'de> ::serde::de::Visitor<'de> for NameOrCode {
                    type Value = $name;

                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        write!(f, "a {} name or number", stringify!($name))
                    }

                    fn visit_str<E: ::serde::de::Error>(self, name: &str) -> Result<$name, E> {
                        name.parse().map_err(E::custom)
                    }

                    fn visit_i64<E: ::serde::de::Error>(self, code: i64) -> Result<$name, E> {
                        let known = i32::try_from(code).ok().and_then($name::from_code);
                        known.ok_or_else(|| {
                            E::custom($crate::types::TypesError::UnknownCode {
                                kind: stringify!($name),
                                code,
                            })
                        })
                    }

                    fn visit_u64<E: ::serde::de::Error>(self, code: u64) -> Result<$name, E> {
                        self.visit_i64(i64::try_from(code).unwrap_or(i64::MAX))
                    }
                }

                deserializer.deserialize_any(NameOrCode)
            }
        }
    };
}

pub(crate) use wire_enum;
