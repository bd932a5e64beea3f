// IMAGE_UPDATER_SCHEDULE_MINUTES from the `schedule` param, so the `interval` annotation is
// counted in the same minutes EventBridge runs the function. Resolved by osls: ${file(...)}.
'use strict';

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const MINUTES_PER_UNIT = { minute: 1, hour: 60, day: 1440 };

/** Minutes between runs for a `rate(...)` expression; cron schedules need the scheduleMinutes param. */
function scheduleMinutes(schedule) {
  const match = RATE.exec(String(schedule).trim());
  if (!match) {
    throw new Error(
      `cannot tell the minutes between runs of schedule "${schedule}": pass --param="scheduleMinutes=<N>" with it`,
    );
  }
  return Number(match[1]) * MINUTES_PER_UNIT[match[2].replace(/s$/, '')];
}

module.exports = async ({ resolveVariable }) => String(scheduleMinutes(await resolveVariable('param:schedule')));
module.exports.scheduleMinutes = scheduleMinutes;
