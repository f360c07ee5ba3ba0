/**
 * One settings model for every store: a store describes each key once as a {@link dev.haven.config.Setting} (name,
 * type, default, rules, meaning) in a {@link dev.haven.config.SettingsSpec}; its builder methods set those keys, its
 * {@code properties(...)} reads them with relaxed names, every value is checked with the same message shape
 * ({@code haven.jdbc.probe-timeout must be >= 50ms: was 10ms}), and the settings tables of the READMEs are generated from
 * the specs ({@link dev.haven.config.SettingsSpec#markdown()}). {@link dev.haven.config.CommonKeys} holds the keys with
 * one name and meaning across the stores. The values a client was built with are an immutable
 * {@link dev.haven.config.Settings}.
 */
package dev.haven.config;
