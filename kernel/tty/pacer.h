/*
 * The console's pacer: the kernel thread ("console") that draws the screen
 * when console_write has left a redraw for later (console.c explains the
 * pacing). It lives here, above console/, because console/ sits below the
 * scheduler and cannot sleep or spawn threads itself.
 */
#pragma once

/* Start the thread and turn pacing on; without a framebuffer, nothing. */
void pacer_start(void);
