//! The program's events, decoded from a transaction's logs (`Program data:`
//! lines, as Anchor's `emit!` writes them) by the committed IDL: every event,
//! today's and any appended later, without a hand-written decoder each.
use anchor_lang::prelude::Pubkey;
use serde::Serialize;
use serde_json::{Map, Value};

/// One event: its name in the program (`RewardsClaimed`) and its fields as
/// JSON (public keys in base58, `u128` as a decimal string).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub name: String,
    pub fields: Map<String, Value>,
}

impl Event {
    pub fn pubkey(&self, field: &str) -> Option<Pubkey> {
        self.fields.get(field)?.as_str()?.parse().ok()
    }

    pub fn u64(&self, field: &str) -> Option<u64> {
        self.fields.get(field)?.as_u64()
    }
}

fn idl() -> &'static Value {
    static IDL: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    IDL.get_or_init(|| {
        serde_json::from_str(include_str!("../../idl/staking.json")).unwrap_or(Value::Null)
    })
}

/// Every event of the staking program `program_id` in `logs`, in order.
/// Only `Program data:` lines written while that program is the innermost
/// running one count: the logs' `Program <id> invoke [n]` and `Program <id>
/// success` / `failed` lines are followed as a call stack, so data that a
/// program it calls (or any other program in the transaction) writes is
/// never taken for one of its events. Lines that are not an event of this
/// program are skipped.
pub fn decode_logs(program_id: &Pubkey, logs: &[String]) -> Vec<Event> {
    let program_id = program_id.to_string();
    let mut stack: Vec<&str> = Vec::new();
    let mut events = Vec::new();
    for line in logs {
        if let Some(data) = line.strip_prefix("Program data: ") {
            if stack.last() != Some(&program_id.as_str()) {
                continue;
            }
            use base64::Engine;
            if let Some(event) = base64::engine::general_purpose::STANDARD
                .decode(data)
                .ok()
                .and_then(|bytes| decode_event(&bytes))
            {
                events.push(event);
            }
        } else if let Some(rest) = line.strip_prefix("Program ") {
            let mut words = rest.split_whitespace();
            // A program's own text reads `Program log: …` (or `Program
            // return: …`): an id never ends with a colon, so such lines, even
            // `Program log: success`, never move the stack; an exit pops only
            // the program that is running.
            let (Some(id), Some(what)) = (words.next(), words.next()) else {
                continue;
            };
            if id.ends_with(':') {
                continue;
            }
            match what {
                "invoke" => stack.push(id),
                "success" | "failed:" if stack.last() == Some(&id) => {
                    stack.pop();
                }
                _ => {}
            }
        }
    }
    events
}

/// An event from its bytes: the 8-byte discriminator, then its Borsh fields.
pub fn decode_event(bytes: &[u8]) -> Option<Event> {
    let idl = idl();
    let (discriminator, mut data) = (bytes.get(..8)?, bytes.get(8..)?);
    let name = idl["events"].as_array()?.iter().find_map(|event| {
        let expected: Vec<u8> = event["discriminator"]
            .as_array()?
            .iter()
            .filter_map(|b| b.as_u64().map(|b| b as u8))
            .collect();
        (expected == discriminator).then(|| event["name"].as_str().map(str::to_string))?
    })?;
    let Value::Object(fields) = decode_defined(&name, &mut data)? else {
        return None;
    };
    Some(Event { name, fields })
}

fn decode_defined(name: &str, data: &mut &[u8]) -> Option<Value> {
    let ty = idl()["types"]
        .as_array()?
        .iter()
        .find(|t| t["name"] == name)?;
    let mut fields = Map::new();
    for field in ty["type"]["fields"].as_array()? {
        let value = decode_value(&field["type"], data)?;
        fields.insert(field["name"].as_str()?.to_string(), value);
    }
    Some(Value::Object(fields))
}

fn take<'a>(data: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    if data.len() < n {
        return None;
    }
    let (head, rest) = data.split_at(n);
    *data = rest;
    Some(head)
}

fn le<const N: usize>(data: &mut &[u8]) -> Option<[u8; N]> {
    take(data, N)?.try_into().ok()
}

fn decode_value(ty: &Value, data: &mut &[u8]) -> Option<Value> {
    if let Some(name) = ty.as_str() {
        return Some(match name {
            "bool" => Value::Bool(le::<1>(data)?[0] != 0),
            "u8" => le::<1>(data)?[0].into(),
            "u16" => u16::from_le_bytes(le(data)?).into(),
            "u32" => u32::from_le_bytes(le(data)?).into(),
            "u64" => u64::from_le_bytes(le(data)?).into(),
            "i64" => i64::from_le_bytes(le(data)?).into(),
            "u128" => u128::from_le_bytes(le(data)?).to_string().into(),
            "i128" => i128::from_le_bytes(le(data)?).to_string().into(),
            "pubkey" => Pubkey::new_from_array(le(data)?).to_string().into(),
            "string" => {
                let len = u32::from_le_bytes(le(data)?) as usize;
                String::from_utf8_lossy(take(data, len)?)
                    .into_owned()
                    .into()
            }
            _ => return None,
        });
    }
    if let Some(inner) = ty.get("option") {
        return match le::<1>(data)?[0] {
            0 => Some(Value::Null),
            _ => decode_value(inner, data),
        };
    }
    if let Some(array) = ty.get("array").and_then(Value::as_array) {
        let len = array.get(1)?.as_u64()? as usize;
        return (0..len)
            .map(|_| decode_value(array.first()?, data))
            .collect::<Option<Vec<_>>>()
            .map(Value::Array);
    }
    if let Some(name) = ty
        .get("defined")
        .and_then(|d| d["name"].as_str().or(d.as_str()))
    {
        return decode_defined(name, data);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::{AnchorSerialize, Discriminator};
    use staking::events::{OperatorRegistered, RewardStreamAdded, RewardsClaimed};

    fn log_line<E: AnchorSerialize + Discriminator>(event: &E) -> String {
        use base64::Engine;
        let mut bytes = E::DISCRIMINATOR.to_vec();
        event.serialize(&mut bytes).unwrap();
        format!(
            "Program data: {}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )
    }

    #[test]
    fn events_decode_from_logs_by_the_idl() {
        let (pool, owner, mint) = (
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
        );
        let logs = vec![
            format!("Program {} invoke [1]", staking::ID),
            log_line(&RewardsClaimed {
                pool,
                owner,
                stream_index: 2,
                reward_mint: mint,
                amount: 12_345,
            }),
            "Program data: bm90IGFuIGV2ZW50".to_string(),
            log_line(&RewardStreamAdded {
                pool,
                stream_index: 1,
                reward_mint: mint,
                reward_vault: owner,
                freeze_authority: None,
                transfer_fee_authority: Some(owner),
                transfer_fee_can_change: true,
            }),
            log_line(&OperatorRegistered {
                pool,
                operator: owner,
                authority: owner,
                name: "node-1".to_string(),
                commission_bps: 500,
                active: true,
            }),
        ];
        let events = decode_logs(&staking::ID, &logs);
        assert_eq!(events.len(), 3);
        assert_eq!(events[0].name, "RewardsClaimed");
        assert_eq!(events[0].u64("amount"), Some(12_345));
        assert_eq!(events[0].pubkey("reward_mint"), Some(mint));
        assert_eq!(events[0].fields["stream_index"], 2);
        assert_eq!(events[1].fields["freeze_authority"], Value::Null);
        assert_eq!(events[1].pubkey("transfer_fee_authority"), Some(owner));
        assert_eq!(events[1].fields["transfer_fee_can_change"], true);
        assert_eq!(events[2].fields["name"], "node-1");
    }

    #[test]
    fn only_the_staking_programs_own_lines_are_its_events() {
        let (pool, owner, mint) = (
            Pubkey::new_unique(),
            Pubkey::new_unique(),
            Pubkey::new_unique(),
        );
        let claimed = |amount| {
            log_line(&RewardsClaimed {
                pool,
                owner,
                stream_index: 0,
                reward_mint: mint,
                amount,
            })
        };
        let other = Pubkey::new_unique();
        let id = staking::ID;
        let logs = vec![
            // Another top-level program first: its data is not ours.
            format!("Program {other} invoke [1]"),
            claimed(1),
            format!("Program {other} consumed 100 of 200000 compute units"),
            format!("Program {other} success"),
            format!("Program {id} invoke [1]"),
            "Program log: Instruction: Claim".to_string(),
            // A program the staking program calls writes event-shaped data,
            // and log text that looks like an exit or an invoke.
            format!("Program {other} invoke [2]"),
            "Program log: success".to_string(),
            "Program log: invoke [3]".to_string(),
            format!("Program {id} success"),
            claimed(2),
            format!("Program {other} success"),
            claimed(3),
            // A token CPI in between, then our own event again.
            "Program TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA invoke [2]".to_string(),
            "Program log: Instruction: TransferChecked".to_string(),
            "Program TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA success".to_string(),
            claimed(4),
            format!("Program {id} consumed 30000 of 200000 compute units"),
            format!("Program {id} success"),
            // After ours returned.
            claimed(5),
            format!("Program {other} invoke [1]"),
            claimed(6),
            format!("Program {other} failed: custom program error: 0x1"),
        ];
        let amounts: Vec<_> = decode_logs(&id, &logs)
            .iter()
            .map(|event| event.u64("amount").unwrap())
            .collect();
        assert_eq!(amounts, [3, 4]);
    }
}
