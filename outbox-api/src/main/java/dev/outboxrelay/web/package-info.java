/**
 * Message-store mode's check-back endpoint for Spring MVC services: {@link
 * dev.outboxrelay.web.CheckBackController}.
 */
@NullMarked
package dev.outboxrelay.web;

import org.jspecify.annotations.NullMarked;
